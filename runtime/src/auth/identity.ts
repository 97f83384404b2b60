/**
 * Who a certificate names. Every certificate of a cluster is signed by the cluster's CA and
 * carries its role in the subject common name: `slb-server-<id>` or `slb-controller`.
 */
import type { PeerCertificate } from "node:tls";
import { type ServerId, isServerId } from "../wire/session_header.ts";

export type Identity = { readonly role: "server"; readonly id: ServerId } | { readonly role: "controller" };

export function subjectName(identity: Identity): string {
  return identity.role === "server" ? `slb-server-${identity.id}` : "slb-controller";
}

export function parseSubjectName(name: string): Identity | undefined {
  if (name === "slb-controller") return { role: "controller" };
  const m = /^slb-server-(\d{1,5})$/.exec(name);
  const id = m ? Number(m[1]) : NaN;
  return isServerId(id) ? { role: "server", id } : undefined;
}

/** The identity of a verified peer certificate, or undefined when it names none of ours. */
export function identityOf(cert: PeerCertificate | undefined): Identity | undefined {
  const cn = cert?.subject?.CN;
  return typeof cn === "string" ? parseSubjectName(cn) : undefined;
}

export function describeIdentity(identity: Identity | undefined): string {
  return identity ? subjectName(identity) : "no slb identity";
}
