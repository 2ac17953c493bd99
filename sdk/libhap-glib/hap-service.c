/* hap-service.c — placeholder, being written */
