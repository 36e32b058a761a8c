package io.poolkeeper.boot;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;

/** The {@link java.util.ServiceLoader} entry point: members on Ratis, clients over gRPC. */
public final class RatisProvider implements PoolMember.Provider {
    @Override
    public PoolMember.Builder newMemberBuilder() {
        return new MemberBuilder();
    }

    @Override
    public PoolClient.Builder newClientBuilder() {
        return GrpcPoolClient.builder();
    }
}
