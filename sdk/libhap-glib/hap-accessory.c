/* hap-accessory.c — placeholder, being written */
