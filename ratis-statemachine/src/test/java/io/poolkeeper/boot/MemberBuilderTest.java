package io.poolkeeper.boot;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.member.RatisPoolMember;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What {@link MemberBuilder#build()} insists on, and the ports it picks for port 0. Nothing is started. */
@Timeout(10)
class MemberBuilderTest {
    private static final HostId HOST = HostId.of("00000001-0000-4000-8000-000000000000");

    /** An agent that is never called: these members are never started. */
    private static final HostAgent UNUSED_AGENT = (HostAgent) Proxy.newProxyInstance(
            HostAgent.class.getClassLoader(), new Class<?>[] {HostAgent.class}, (proxy, method, args) -> {
                throw new AssertionError("agent called: " + method.getName());
            });

    @TempDir
    Path dir;

    private MemberBuilder complete() {
        return new MemberBuilder()
                .insecure()
                .hostUuid(HOST)
                .listenAddress("127.0.0.1:0")
                .storageDirectory(dir)
                .createPool("p")
                .hostAgent(UNUSED_AGENT);
    }

    @Test
    void buildingAMemberWithoutAHostAgentIsAnErrorNamingIt() {
        MemberBuilder noAgent = complete().hostAgent(null);

        IllegalStateException e = assertThrows(IllegalStateException.class, noAgent::build);

        assertTrue(e.getMessage().contains("missing 1 required setting(s): hostAgent (the HostAgent"), e.getMessage());
    }

    @Test
    void buildingAMemberWithoutTlsOrInsecureIsAnErrorNamingBoth() {
        MemberBuilder neither = new MemberBuilder()
                .hostUuid(HOST)
                .listenAddress("127.0.0.1:0")
                .storageDirectory(dir)
                .createPool("p")
                .hostAgent(UNUSED_AGENT);

        IllegalStateException e = assertThrows(IllegalStateException.class, neither::build);

        assertTrue(
                e.getMessage().contains("missing 1 required setting(s): tls(directory) or insecure()"), e.getMessage());
    }

    @Test
    void anEmptyBuilderIsOneErrorNamingEveryMissingSetting() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> PoolMember.builder().build());

        String message = e.getMessage();
        assertTrue(message.contains("missing 5 required setting(s)"), message);
        for (String setting :
                List.of("hostUuid", "listenAddress", "storageDirectory", "hostAgent", "tls(directory) or insecure()")) {
            assertTrue(message.contains(setting + " ("), setting + " in: " + message);
        }
    }

    @Test
    void aBuilderMissingOnlyTheListenAddressNamesIt() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> complete().listenAddress(null).build());

        assertTrue(e.getMessage().contains("missing 1 required setting(s): listenAddress ("), e.getMessage());
    }

    @Test
    void anEmptyClientBuilderIsOneErrorNamingEveryMissingSetting() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> PoolClient.builder().build());

        String message = e.getMessage();
        assertTrue(message.contains("missing 2 required setting(s): members ("), message);
        assertTrue(message.contains("; tls(directory) or insecure() ("), message);
    }

    @Test
    void aTlsDirectoryWithoutCredentialsIsAnErrorNamingTheFile() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> complete().tls(dir.resolve("no-such-dir")));

        assertTrue(e.getMessage().contains("no-such-dir"), e.getMessage());
    }

    @Test
    void theServiceLoadedBuilderRefusesAMemberWithoutAHostAgentToo() {
        PoolMember.Builder noAgent = PoolMember.builder()
                .hostUuid(HOST)
                .listenAddress("127.0.0.1:0")
                .storageDirectory(dir)
                .createPool("p");

        IllegalStateException e = assertThrows(IllegalStateException.class, noAgent::build);

        assertTrue(e.getMessage().contains("hostAgent"), e.getMessage());
    }

    @Test
    void portZeroPicksTwoDistinctFreePortsForServiceAndRaft() {
        RatisPoolMember member = complete().build();
        try {
            String service = member.serviceAddress();
            String raft = member.raftAddress();

            assertTrue(service.startsWith("127.0.0.1:") && !service.endsWith(":0"), service);
            assertTrue(raft.startsWith("127.0.0.1:") && !raft.endsWith(":0"), raft);
            assertNotEquals(service, raft);
        } finally {
            member.close();
        }
    }
}
