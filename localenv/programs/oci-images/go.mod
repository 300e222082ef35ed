module akvsecrets.local/node/oci-images

go 1.26
