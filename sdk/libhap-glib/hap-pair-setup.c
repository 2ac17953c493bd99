/* hap-pair-setup.c — placeholder, being written */
