package io.poolkeeper.rpc;

import io.poolkeeper.api.PoolClient;

/**
 * The {@link java.util.ServiceLoader} entry point of poolkeeper-client: {@link PoolClient#builder()} finds it with
 * only this jar (and its dependencies) on the class path, no member runtime needed.
 */
public final class GrpcClientProvider implements PoolClient.Provider {
    @Override
    public PoolClient.Builder newClientBuilder() {
        return GrpcPoolClient.builder();
    }
}
