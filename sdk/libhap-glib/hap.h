/* hap.h — libhap-glib umbrella header
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __HAP_INSIDE__

#include "hap-version.h"
#include "hap-error.h"
#include "hap-types.h"
#include "hap-catalog.h"
#include "hap-json.h"
#include "hap-json-reader.h"
#include "hap-characteristic.h"
#include "hap-service.h"
#include "hap-accessory.h"
#include "hap-setup-payload.h"
#include "hap-provision.h"
#include "hap-accessory-server.h"
#include "hap-advertiser.h"
#include "hap-connection-limit.h"
#include "hap-controller.h"
#include "hap-controller-connection.h"
#include "hap-ble-browser.h"
#include <libhap-glib/hap-enum-types.h>

#undef __HAP_INSIDE__
