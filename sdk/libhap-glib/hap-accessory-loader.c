/* hap-accessory-loader.c — placeholder, being written */
