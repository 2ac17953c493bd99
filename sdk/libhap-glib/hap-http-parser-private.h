/* hap-http-parser-private.h — incremental HTTP/1.1 message parser and writers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Written here rather than taken from libsoup because HAP needs byte-level control that
 * SoupServer does not give: the same TCP stream switches to HAP's own framed encryption
 * in mid-connection, accessories send unsolicited "EVENT/1.0" responses, and the
 * simulator's quirks must be able to bend the framing.
 */
#pragma once

#include <glib.h>

#include "hap-wire.h"

G_BEGIN_DECLS

#define HAP_HTTP_MAX_HEADER_BYTES 8192
#define HAP_HTTP_MAX_HEADERS      64
#define HAP_HTTP_MAX_BODY_BYTES   (1024 * 1024)

typedef enum
{
  HAP_HTTP_PARSE_REQUESTS,   /* server side: "GET /x HTTP/1.1" */
  HAP_HTTP_PARSE_RESPONSES,  /* controller side: "HTTP/1.1 200 OK" and "EVENT/1.0 200 OK" */
} HapHttpParseMode;

/* HapHttpHeader and HapHttpMessage are public (hap-wire.h): hooks see them. */

typedef struct _HapHttpParser HapHttpParser;

HapHttpParser  *hap_http_parser_new        (HapHttpParseMode  mode);
void            hap_http_parser_free       (HapHttpParser    *parser);
/* Appends received bytes. */
void            hap_http_parser_push       (HapHttpParser    *parser,
                                            const guint8     *data,
                                            gsize             len);
/* Returns the next complete message, or NULL: with *error unset when more bytes are
 * needed, with HAP_ERROR_INVALID_DATA (malformed start line, header, Content-Length or
 * chunk) or HAP_ERROR_TOO_LARGE (headers over HAP_HTTP_MAX_HEADER_BYTES, body over
 * HAP_HTTP_MAX_BODY_BYTES) otherwise; after an error the parser stays failed.
 * Bodies: Content-Length, or chunked transfer coding; a request without either has
 * no body; a response without either has none for 204/1xx, else needs Content-Length
 * or chunked (EVENT/1.0 always uses Content-Length). */
HapHttpMessage *hap_http_parser_next       (HapHttpParser    *parser,
                                            GError          **error);
/* Bytes pushed but not consumed yet. */
gsize           hap_http_parser_get_pending (HapHttpParser   *parser);

void            hap_http_message_free      (HapHttpMessage   *message);

/* hap_http_split_target() without an allocation per field (every request's target goes
 * through it; bench/README.md): @out is overwritten with the path, then each query
 * field's percent-decoded key and value, every one NUL-terminated (so @out->str is
 * the path). A connection keeps one @out for all its requests. */
gboolean        _hap_http_target_split     (const char       *target,
                                            GString          *out,
                                            GError          **error);
/* Steps through the query fields of a split target, in order (a key may repeat): start
 * with *@cursor NULL; FALSE after the last. */
gboolean        _hap_http_target_next      (const GString    *split,
                                            const char      **cursor,
                                            const char      **key,
                                            const char      **value);


/* Writers. @content_type may be NULL (then no Content-Type header). Responses always
 * carry Content-Length except 204, which is written as the ADK and HAP-NodeJS send it:
 * status line only, no Content-Type, Content-Length or body (@body is ignored).
 * Requests carry Content-Length unless they are a GET or HEAD without body or type. */
void            hap_http_append_response   (GByteArray       *out,
                                            guint             status,
                                            const char       *content_type,
                                            const guint8     *body,
                                            gsize             body_len);
/* "EVENT/1.0 200 OK" with Content-Type application/hap+json. */
void            hap_http_append_event      (GByteArray       *out,
                                            const char       *json,
                                            gsize             json_len);
void            hap_http_append_request    (GByteArray       *out,
                                            const char       *method,
                                            const char       *target,
                                            const char       *host,
                                            const char       *content_type,
                                            const guint8     *body,
                                            gsize             body_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapHttpParser, hap_http_parser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapHttpMessage, hap_http_message_free)

G_END_DECLS
