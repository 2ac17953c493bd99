/* hap-pair-verify.c — placeholder, being written */
