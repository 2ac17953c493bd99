/* hap-tlv8.c — placeholder, being written */
