/* hap-advertiser-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-advertiser.h"

G_BEGIN_DECLS

typedef struct _HapAdvertisement HapAdvertisement;

/* Called when the record is established (with the final, collision-free name) and when
 * the advertiser knows the daemon is absent (@name NULL). */
typedef void (*HapAdvertisementFunc) (HapAdvertisement *adv,
                                      const char       *name,
                                      gpointer          user_data);

/* Publishes _hap._tcp for @name on @port. @bind_address (NULL for all) restricts the
 * interface and protocol the record is announced on. @txt is a NULL-terminated
 * "key=value" list (copied). */
HapAdvertisement *_hap_advertiser_add          (HapAdvertiser        *self,
                                                const char           *name,
                                                guint16               port,
                                                const char           *bind_address,
                                                const char * const   *txt,
                                                HapAdvertisementFunc  callback,
                                                gpointer              user_data);
/* Replaces the TXT record (re-announced). */
void              _hap_advertisement_set_txt   (HapAdvertisement     *adv,
                                                const char * const   *txt);
const char       *_hap_advertisement_get_name  (HapAdvertisement     *adv);
gboolean          _hap_advertisement_is_established (HapAdvertisement *adv);
/* Withdraws the record and frees @adv. */
void              _hap_advertisement_free      (HapAdvertisement     *adv);

G_END_DECLS
