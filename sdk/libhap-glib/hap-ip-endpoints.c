/* hap-ip-endpoints.c — placeholder, being written */
