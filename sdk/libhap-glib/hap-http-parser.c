/* hap-http-parser.c — placeholder, being written */
