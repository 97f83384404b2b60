{
  "targets": [
    {
      "target_name": "slb_packet",
      "sources": ["src/addon.c", "src/ring.c", "src/traffic.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-lpthread"]
    }
  ]
}
