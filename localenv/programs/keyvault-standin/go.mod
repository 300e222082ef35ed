module local/keyvault-standin

go 1.26
