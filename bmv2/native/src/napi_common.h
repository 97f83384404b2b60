/* Small N-API helpers shared by the addons. ADDON_NAME prefixes every message. */
#ifndef SLB_NAPI_COMMON_H
#define SLB_NAPI_COMMON_H

#include <node_api.h>

#define CHECK(call)                                          \
  do {                                                       \
    if ((call) != napi_ok) {                                 \
      napi_throw_error(env, NULL, ADDON_NAME ": " #call);    \
      return NULL;                                           \
    }                                                        \
  } while (0)

/* Throws an Error "<subject>: <what>: <strerror>" (subject may be NULL) whose code is errno's name (EPERM, EADDRINUSE, ...). */
napi_value throw_errno(napi_env env, const char *subject, const char *what, int err);

void set_number(napi_env env, napi_value obj, const char *name, double value);

/* The native object behind an external made by the addon; throws a TypeError naming `kind` otherwise. */
void *get_external(napi_env env, napi_value v, const char *kind);

#endif
