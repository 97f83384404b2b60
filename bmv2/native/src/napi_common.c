#include "napi_common.h"

#include <stdio.h>
#include <string.h>
#include <uv.h>

napi_value throw_errno(napi_env env, const char *subject, const char *what, int err) {
  char message[256];
  if (subject != NULL) snprintf(message, sizeof message, "%s: %s: %s", subject, what, strerror(err));
  else snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, msg, error, errno_value;
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
  return NULL;
}

void set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

void *get_external(napi_env env, napi_value v, const char *kind) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    char message[96];
    snprintf(message, sizeof message, "not a %s", kind);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return data;
}
