/** The session load balancer's controller: topology, the Controller, its admin API, and a one-call runner. */
export { Controller, type ControllerOptions, type ControllerStatus, type ServerStatus, type CountersSnapshot } from "./controller.ts";
export { loadTopology, parseTopology, parseServer, ConfigError, type TopologyConfig, type ServerConfig, type ServerId } from "./config.ts";
export { startAdminServer, type AdminServer } from "./admin.ts";
export { adminCall, streamEvents, AdminError, DEFAULT_ADMIN_ADDRESS } from "./admin_client.ts";
export { runController, builtinCompiler, type RunningController } from "./run.ts";
export { loadPipeline, makePipeline, ensurePipeline, type Pipeline, type CompileP4 } from "./pipeline.ts";
export { desiredLbState, LB_NAMES, LB_SCOPE, type ServerMode, type ServerView } from "./lb_program.ts";
export { EventLog, type ControllerEvent, type ControllerEventKind } from "./event_log.ts";
