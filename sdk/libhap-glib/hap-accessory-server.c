/* hap-accessory-server.c — placeholder, being written */
