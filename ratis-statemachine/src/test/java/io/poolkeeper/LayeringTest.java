package io.poolkeeper;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may import whom inside the member artifact (DESIGN §1): {@code core} at the bottom, then {@code codec}, then
 * {@code port} (the seams), {@code ratis} (knows no member and no gRPC server), {@code member} (the runtime, no
 * transport), {@code rpc} (reaches the runtime only through {@code port}), and {@code boot} wiring them; no package
 * cycle. (No main package imports test support: {@code ArchitectureTest}.)
 *
 * <p>Each rule is also evaluated against test classes that break it on purpose ({@code knownViolations}), so a rule
 * cannot pass vacuously.
 */
@Timeout(120)
class LayeringTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.poolkeeper");

    static final ArchRule NO_CYCLES = slices().matching("io.poolkeeper.(*)..")
            .should()
            .beFreeOfCycles()
            .because("a package that imports one importing it can be read, tested and replaced only with it");

    static final ArchRule RPC_REACHES_THE_RUNTIME_THROUGH_PORTS = noClasses()
            .that()
            .resideInAPackage("io.poolkeeper.rpc..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.poolkeeper.ratis..", "io.poolkeeper.member..", "io.poolkeeper.boot..", "io.poolkeeper.ha..")
            .because("the transport serves port.MemberService and implements port.PeerLink, nothing more");

    static final ArchRule RATIS_KNOWS_NO_RUNTIME = noClasses()
            .that()
            .resideInAPackage("io.poolkeeper.ratis..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.poolkeeper.member..",
                    "io.poolkeeper.rpc..",
                    "io.poolkeeper.boot..",
                    "io.poolkeeper.ha..",
                    "io.grpc..")
            .because("the Raft adapter is told what to do; it never calls back into the member");

    static final ArchRule RUNTIME_KNOWS_NO_TRANSPORT = noClasses()
            .that()
            .resideInAnyPackage("io.poolkeeper.member..", "io.poolkeeper.ha..", "io.poolkeeper.port..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.poolkeeper.rpc..", "io.poolkeeper.boot..", "io.grpc..", "io.poolkeeper.proto..")
            .because("the runtime speaks domain records to its peers through port.PeerLink");

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("has no package cycle", NO_CYCLES),
                Arguments.of("rpc reaches the runtime through ports", RPC_REACHES_THE_RUNTIME_THROUGH_PORTS),
                Arguments.of("ratis knows no runtime", RATIS_KNOWS_NO_RUNTIME),
                Arguments.of("runtime knows no transport", RUNTIME_KNOWS_NO_TRANSPORT));
    }

    @ParameterizedTest(name = "main code {0}")
    @MethodSource("rules")
    void mainCodeFollowsRule(String name, ArchRule rule) {
        assertTrue(MAIN.contain("io.poolkeeper.member.RatisPoolMember"), "main classes were not imported");
        rule.check(MAIN);
    }

    static Stream<Arguments> knownViolations() {
        return Stream.of(
                Arguments.of(NO_CYCLES, new Class<?>[] {
                    io.poolkeeper.rpc.KnownLayeringViolation.class, io.poolkeeper.ratis.KnownCycle.class
                }),
                Arguments.of(
                        RPC_REACHES_THE_RUNTIME_THROUGH_PORTS,
                        new Class<?>[] {io.poolkeeper.rpc.KnownLayeringViolation.class}),
                Arguments.of(RATIS_KNOWS_NO_RUNTIME, new Class<?>[] {io.poolkeeper.ratis.KnownCycle.class}),
                Arguments.of(
                        RUNTIME_KNOWS_NO_TRANSPORT, new Class<?>[] {io.poolkeeper.member.KnownTransportUse.class}));
    }

    @ParameterizedTest(name = "rule {index} reports its known violation")
    @MethodSource("knownViolations")
    void rulesReportKnownViolations(ArchRule rule, Class<?>[] violators) {
        EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(violators));
        assertTrue(result.hasViolation(), "rule found nothing wrong: " + rule);
    }
}
