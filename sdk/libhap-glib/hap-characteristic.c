/* hap-characteristic.c — placeholder, being written */
