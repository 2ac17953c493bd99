/* hap-storage.c — placeholder, being written */
