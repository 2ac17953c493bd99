/* hap-pairings.c — placeholder, being written */
