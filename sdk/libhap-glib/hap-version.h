/* hap-version.h — visibility and version macros for libhap-glib
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

/**
 * HAP_MAJOR_VERSION:
 *
 * The major version of the libhap-glib headers in use.
 */
#define HAP_MAJOR_VERSION 0
/**
 * HAP_MINOR_VERSION:
 *
 * The minor version of the libhap-glib headers in use.
 */
#define HAP_MINOR_VERSION 1

#define HAP_AVAILABLE_IN_ALL __attribute__((visibility ("default"))) extern
