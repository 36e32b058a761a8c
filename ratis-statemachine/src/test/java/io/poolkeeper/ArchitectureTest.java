package io.poolkeeper;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layering of DESIGN §1: the pure core knows nothing of Ratis, gRPC, protobuf or the runtime packages, and reads
 * no clock, no randomness and no unordered collection, so every replica applying the same log reaches the same
 * state; the public API exposes no Ratis, gRPC or protobuf type.
 *
 * <p>Each rule is also evaluated against classes known to break it, so a rule that stopped matching anything (a
 * renamed package, a wrong method name) fails here instead of passing vacuously.
 */
@Timeout(120)
class ArchitectureTest {
    private static final String CORE = "io.poolkeeper.core";
    private static final String API = "io.poolkeeper.api";

    private static final JavaClasses CORE_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(CORE);

    // The api module is a jar on this module's classpath: imported from there.
    private static final JavaClasses API_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(API);

    /** The core is the pure state machine: no transport, no wire format, no runtime. */
    static final ArchRule CORE_IS_PURE = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.apache.ratis..",
                    "io.grpc..",
                    "com.google.protobuf..",
                    "io.poolkeeper.proto..",
                    "io.poolkeeper.codec..",
                    "io.poolkeeper.ratis..",
                    "io.poolkeeper.rpc..",
                    "io.poolkeeper.ha..")
            .because("the core is pure (DESIGN §1): the codec and the runtime depend on it, never the reverse");

    /** Time comes from the log (ApplyContext, the master's stamps), never from the replica's clock. */
    static final ArchRule CORE_READS_NO_CLOCK = noClasses()
            .should()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethodWhere(describe(
                    "a now() method of java.time",
                    (JavaMethodCall call) -> call.getName().equals("now")
                            && call.getTargetOwner().getPackageName().equals("java.time")))
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(InstantSource.class) // Clock and every clock implementation
            .because("replicas apply entries at different times and must still reach equal states");

    /** Ids are chosen before a command is logged; the rules draw nothing at random. */
    static final ArchRule CORE_DRAWS_NO_RANDOMNESS = noClasses()
            .should()
            .callMethod(UUID.class, "randomUUID")
            .orShould()
            .callMethod(Math.class, "random")
            .orShould()
            .callMethod(StrictMath.class, "random")
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(RandomGenerator.class) // Random, SecureRandom, ThreadLocalRandom, SplittableRandom
            .because("every replica must make the same choices from the same log");

    /**
     * No hash-ordered collections: their iteration order is not part of their contract, and that of {@code Set.of}
     * and {@code Map.of} changes from one JVM run to the next. Sorted maps and sets, lists and enum sets instead.
     */
    static final ArchRule CORE_USES_NO_UNORDERED_COLLECTIONS = noClasses()
            .should()
            .dependOnClassesThat()
            .belongToAnyOf(
                    HashMap.class,
                    HashSet.class,
                    Hashtable.class,
                    IdentityHashMap.class,
                    WeakHashMap.class,
                    ConcurrentHashMap.class)
            .orShould()
            .callMethodWhere(describe(
                    "a factory of an unordered Set or Map (Set.of, Map.of, Collectors.toSet, ...)",
                    ArchitectureTest::createsUnorderedCollection))
            .because("iteration order must be the same on every replica and JVM");

    /** The public API is what embedders compile against: none of the implementation's libraries leak into it. */
    static final ArchRule API_EXPOSES_NO_IMPLEMENTATION = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.apache.ratis..", "io.grpc..", "com.google.protobuf..", "io.poolkeeper.proto..")
            .because("no Ratis, gRPC or protobuf type appears in the API (DESIGN §1)");

    private static final Set<String> UNORDERED_FACTORIES_OF_SET_AND_MAP = Set.of("of", "ofEntries", "copyOf");
    private static final Set<String> UNORDERED_COLLECTORS =
            Set.of("toSet", "toUnmodifiableSet", "toUnmodifiableMap", "toConcurrentMap", "groupingByConcurrent");

    private static boolean createsUnorderedCollection(JavaMethodCall call) {
        String owner = call.getTargetOwner().getName();
        String name = call.getName();
        int arity = call.getTarget().getRawParameterTypes().size();
        if (owner.equals(Set.class.getName()) || owner.equals(Map.class.getName())) {
            return UNORDERED_FACTORIES_OF_SET_AND_MAP.contains(name);
        }
        if (owner.equals(Collectors.class.getName())) {
            // toMap and groupingBy choose a HashMap unless given a map factory (their longest overloads).
            return UNORDERED_COLLECTORS.contains(name)
                    || (name.equals("toMap") && arity < 4)
                    || (name.equals("groupingBy") && arity < 3);
        }
        return false;
    }

    @Test
    void coreDependsOnNoTransportWireFormatOrRuntime() {
        assertImported(CORE_CLASSES, CORE + ".Transition");
        CORE_IS_PURE.check(CORE_CLASSES);
    }

    @Test
    void coreReadsNoClock() {
        CORE_READS_NO_CLOCK.check(CORE_CLASSES);
    }

    @Test
    void coreDrawsNoRandomness() {
        CORE_DRAWS_NO_RANDOMNESS.check(CORE_CLASSES);
    }

    @Test
    void coreUsesNoUnorderedCollections() {
        CORE_USES_NO_UNORDERED_COLLECTIONS.check(CORE_CLASSES);
    }

    @Test
    void apiExposesNoRatisGrpcOrProtobuf() {
        assertImported(API_CLASSES, API + ".ErrorCode");
        assertImported(API_CLASSES, API + ".model.Vm");
        API_EXPOSES_NO_IMPLEMENTATION.check(API_CLASSES);
    }

    @Test
    void testClassesAreNotImportedAsCore() {
        // The core's tests draw random numbers and read clocks on purpose; the rules are about production code.
        assertFalse(CORE_CLASSES.contain(CORE + ".PoolPropertyTest"), "test classes were imported");
    }

    /** Each rule with classes that break it: the rule must report them. */
    static Stream<Arguments> knownViolations() {
        return Stream.of(
                Arguments.of("CORE_IS_PURE", CORE_IS_PURE, io.poolkeeper.proto.PoolCommand.class),
                Arguments.of("CORE_IS_PURE", CORE_IS_PURE, com.google.protobuf.ByteString.class),
                Arguments.of("CORE_READS_NO_CLOCK", CORE_READS_NO_CLOCK, java.util.Date.class),
                Arguments.of("CORE_READS_NO_CLOCK", CORE_READS_NO_CLOCK, java.time.LocalDate.class),
                Arguments.of(
                        "CORE_DRAWS_NO_RANDOMNESS", CORE_DRAWS_NO_RANDOMNESS, io.poolkeeper.api.model.HostId.class),
                Arguments.of("CORE_DRAWS_NO_RANDOMNESS", CORE_DRAWS_NO_RANDOMNESS, java.util.Collections.class),
                Arguments.of("CORE_USES_NO_UNORDERED_COLLECTIONS", CORE_USES_NO_UNORDERED_COLLECTIONS, HashSet.class),
                Arguments.of(
                        "API_EXPOSES_NO_IMPLEMENTATION",
                        API_EXPOSES_NO_IMPLEMENTATION,
                        io.poolkeeper.proto.PoolCommand.class));
    }

    @ParameterizedTest(name = "{0} reports {2}")
    @MethodSource("knownViolations")
    void rulesReportKnownViolations(String name, ArchRule rule, Class<?> violator) {
        EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(violator));
        assertTrue(result.hasViolation(), name + " found nothing wrong with " + violator.getName());
    }

    private static void assertImported(JavaClasses classes, String className) {
        assertTrue(classes.contain(className), className + " was not imported: the rule would check nothing");
    }
}
