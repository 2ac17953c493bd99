/* hap-catalog.c — placeholder, being written */
