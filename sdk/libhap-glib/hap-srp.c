/* hap-srp.c — placeholder, being written */
