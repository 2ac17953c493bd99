/* hap-frame.c — placeholder, being written */
