/* hap-connection.c — placeholder, being written */
