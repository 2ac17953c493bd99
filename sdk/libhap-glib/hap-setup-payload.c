/* hap-setup-payload.c — placeholder, being written */
