module akvsecrets.local/node/pause

go 1.26
