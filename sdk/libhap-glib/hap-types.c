/* hap-types.c — placeholder, being written */
