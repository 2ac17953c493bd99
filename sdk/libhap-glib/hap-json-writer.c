/* hap-json-writer.c — placeholder, being written */
