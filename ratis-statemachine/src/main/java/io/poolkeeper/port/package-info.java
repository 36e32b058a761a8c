/**
 * The seams between the member runtime and its transport: what a member serves ({@link
 * io.poolkeeper.port.MemberService}) and what it asks of its peers ({@link io.poolkeeper.port.PeerLink}), in domain
 * terms. Interfaces and records only; no gRPC, Ratis or protobuf type appears here.
 */
package io.poolkeeper.port;
