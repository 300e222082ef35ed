module akvsecrets.local/node/probe

go 1.26
