package io.poolkeeper.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
import io.poolkeeper.testing.TestingTls;
import io.poolkeeper.tls.CertificateRole;
import io.poolkeeper.tls.TlsCredentials;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate rotation without a restart (DESIGN §11), under load: every member's and the client's credentials are
 * re-issued while remote and embedded writers run. Every port then presents the new certificate to a new connection,
 * a new client and a restarted member work with the new files, and no acknowledged write is lost.
 */
@Timeout(120)
class CertificateRotationTest {
    @TempDir
    Path dir;

    @Test
    void rotatingEveryCertificateUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        try (TestingPool pool = TestingPool.builder(dir).start(3);
                GrpcPoolClient remote = pool.clientBuilder()
                        .requestTimeout(Duration.ofSeconds(10))
                        .build()) {
            TestingTls tls = pool.tls().orElseThrow();
            Set<VmId> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger failures = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            int master = pool.awaitMaster();
            List<BlockingPool> targets = List.of(remote.pool().blocking(), pool.pool(master));
            for (int w = 0; w < targets.size(); w++) {
                BlockingPool target = targets.get(w);
                int writer = w;
                Thread t = new Thread(
                        () -> {
                            for (int i = 0; !stop.get(); i++) {
                                try {
                                    acknowledged.add(target.createVm(VmSpec.of("w" + writer + "-" + i, 1L << 20, 1)));
                                } catch (PoolException e) {
                                    // Unacknowledged: it may or may not be there; only acknowledged ones count.
                                    failures.incrementAndGet();
                                }
                            }
                        },
                        "writer-" + w);
                t.start();
                writers.add(t);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 50);

            List<BigInteger> old = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                old.add(credentials(tls, i).certificate().getSerialNumber());
                tls.reissue(i);
            }
            tls.issue(tls.clientDirectory(), CertificateRole.CLIENT, "client");
            int atRotation = acknowledged.size();

            // A new connection to either port of every member meets its new certificate.
            TlsCredentials caller = credentials(tls, 0);
            for (int i = 0; i < 3; i++) {
                RatisPoolMember m = pool.member(i);
                BigInteger before = old.get(i);
                for (String address : List.of(m.serviceAddress(), m.raftAddress())) {
                    await().atMost(Duration.ofSeconds(10))
                            .ignoreExceptionsInstanceOf(IOException.class)
                            .until(() -> !TlsHandshakes.serialPresented(address, caller)
                                    .equals(before));
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= atRotation + 50);

            // A client made now and a member restarted now use the new files only.
            try (GrpcPoolClient fresh = pool.clientBuilder().build()) {
                acknowledged.add(fresh.pool().blocking().createVm(VmSpec.of("after-rotation", 1L << 20, 1)));
            }
            int restarted = pool.others(master).get(0);
            pool.stop(restarted);
            pool.restart(restarted);
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= atRotation + 100);
            stop.set(true);
            for (Thread t : writers) {
                t.join(30_000);
            }

            for (RatisPoolMember m : pool.members()) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> m.applied().state().vms().keySet().containsAll(acknowledged));
                assertNotEquals(
                        old.get(pool.indexOf(m.hostId())),
                        credentials(tls, pool.indexOf(m.hostId())).certificate().getSerialNumber());
            }
            assertTrue(acknowledged.size() >= atRotation + 100, "writes went on: " + acknowledged.size());
            assertEquals(0, failures.get(), "no write failed during the rotation");
        }
    }

    private static TlsCredentials credentials(TestingTls tls, int index) {
        TlsCredentials c = tls.member(index).credentials().orElseThrow();
        c.reloadIfChanged();
        return c;
    }
}
