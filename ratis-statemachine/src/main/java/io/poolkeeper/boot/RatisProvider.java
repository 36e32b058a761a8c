package io.poolkeeper.boot;

import io.poolkeeper.api.PoolMember;

/** The {@link java.util.ServiceLoader} entry point for members on Ratis (clients: poolkeeper-client's own). */
public final class RatisProvider implements PoolMember.Provider {
    @Override
    public PoolMember.Builder newMemberBuilder() {
        return new MemberBuilder();
    }
}
