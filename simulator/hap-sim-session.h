/* hap-sim-session.h — one connection to a simulated accessory, with its counters
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include <libhap-glib/hap-inspection.h>

G_BEGIN_DECLS

#define HAP_SIM_TYPE_SESSION (hap_sim_session_get_type ())
G_DECLARE_FINAL_TYPE (HapSimSession, hap_sim_session, HAP_SIM, SESSION, GObject)

HapSimSession      *hap_sim_session_new               (HapConnection *conn);
gboolean            hap_sim_session_update            (HapSimSession *self,
                                                       HapConnection *conn);
guint64             hap_sim_session_get_id            (HapSimSession *self);
const char         *hap_sim_session_get_peer          (HapSimSession *self);
const char         *hap_sim_session_get_controller_id (HapSimSession *self);
gboolean            hap_sim_session_get_secured       (HapSimSession *self);
gint64              hap_sim_session_get_connected     (HapSimSession *self);
gint64              hap_sim_session_get_established   (HapSimSession *self);
guint64             hap_sim_session_get_requests      (HapSimSession *self);
guint64             hap_sim_session_get_bytes_in      (HapSimSession *self);
guint64             hap_sim_session_get_bytes_out     (HapSimSession *self);
const char * const *hap_sim_session_get_subscriptions (HapSimSession *self);
GVariant           *hap_sim_session_to_variant        (HapSimSession *self);

void                hap_sim_session_list_sync         (GListStore    *store,
                                                       GPtrArray     *connections);

G_END_DECLS
