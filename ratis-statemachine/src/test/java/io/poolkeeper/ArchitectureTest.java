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
 * state; the public API exposes no Ratis, gRPC or protobuf type; no main class imports the test support of {@code
 * poolkeeper-testing}.
 *
 * <p>Each rule is also evaluated against classes known to break it, so a rule that stopped matching anything (a
 * renamed package, a wrong method name) fails here instead of passing vacuously.
 */
@Timeout(120)
class ArchitectureTest {
    private static final String CORE = "io.poolkeeper.core";
    private static final String API = "io.poolkeeper.api";
    private static final String TESTING = "io.poolkeeper.testing";

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

    // Time comes from the log (ApplyContext, the master's stamps), never from the replica's clock.
    private static final String CLOCK = "replicas apply an entry at different times and must reach equal states";

    static final ArchRule NO_WALL_CLOCK =
            noClasses().should().callMethod(System.class, "currentTimeMillis").because(CLOCK);

    static final ArchRule NO_NANO_TIME =
            noClasses().should().callMethod(System.class, "nanoTime").because(CLOCK);

    static final ArchRule NO_JAVA_TIME_NOW = noClasses()
            .should()
            .callMethodWhere(describe(
                    "a now() method of java.time (Instant.now, LocalDateTime.now, ...)",
                    (JavaMethodCall call) -> call.getName().equals("now")
                            && call.getTargetOwner().getPackageName().startsWith("java.time")))
            .because(CLOCK);

    static final ArchRule NO_CLOCK_OBJECTS = noClasses()
            .should()
            .dependOnClassesThat()
            .areAssignableTo(InstantSource.class) // Clock and every clock implementation
            .because(CLOCK);

    // Ids are chosen before a command is logged; the rules draw nothing at random.
    private static final String RANDOM = "every replica must make the same choices from the same log";

    static final ArchRule NO_RANDOM_UUID =
            noClasses().should().callMethod(UUID.class, "randomUUID").because(RANDOM);

    static final ArchRule NO_MATH_RANDOM = noClasses()
            .should()
            .callMethod(Math.class, "random")
            .orShould()
            .callMethod(StrictMath.class, "random")
            .because(RANDOM);

    static final ArchRule NO_RANDOM_GENERATORS = noClasses()
            .should()
            .dependOnClassesThat()
            .areAssignableTo(RandomGenerator.class) // Random, SecureRandom, ThreadLocalRandom, SplittableRandom
            .because(RANDOM);

    // Hash-ordered collections: their iteration order is not part of their contract, and that of Set.of and Map.of
    // changes from one JVM run to the next. Sorted maps and sets, lists and enum sets instead.
    private static final String ORDER = "iteration order must be the same on every replica and JVM";

    static final ArchRule NO_HASH_COLLECTIONS = noClasses()
            .should()
            .dependOnClassesThat()
            .belongToAnyOf(
                    HashMap.class,
                    HashSet.class,
                    Hashtable.class,
                    IdentityHashMap.class,
                    WeakHashMap.class,
                    ConcurrentHashMap.class)
            .because(ORDER);

    static final ArchRule NO_UNORDERED_FACTORIES = noClasses()
            .should()
            .callMethodWhere(describe(
                    "a factory of an unordered Set or Map (Set.of, Map.of, Collectors.toSet, Collectors.toMap, ...)",
                    ArchitectureTest::createsUnorderedCollection))
            .because(ORDER);

    /** The public API is what embedders compile against: none of the implementation's libraries leak into it. */
    /** Every main class of this module and of the modules below it (api, proto: jars on this module's classpath). */
    private static final JavaClasses MAIN_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.poolkeeper");

    /**
     * Test support (simulated hypervisor, link faults, test pool) lives in poolkeeper-testing, which depends on this
     * module; production code reaches it only through interfaces such as {@code HostAgent} and {@code LinkFilter}.
     */
    static final ArchRule MAIN_IMPORTS_NO_TEST_SUPPORT = noClasses()
            .that()
            .resideOutsideOfPackage(TESTING + "..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(TESTING + "..")
            .because("no main package imports test support (DESIGN §1): the production artifact ships without it");

    static final ArchRule API_EXPOSES_NO_IMPLEMENTATION = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.apache.ratis..", "io.grpc..", "com.google.protobuf..", "io.poolkeeper.proto..")
            .because("no Ratis, gRPC or protobuf type appears in the API (DESIGN §1)");

    private static final Set<String> UNORDERED_SET_AND_MAP_FACTORIES = Set.of("of", "ofEntries", "copyOf");
    private static final Set<String> UNORDERED_COLLECTORS =
            Set.of("toSet", "toUnmodifiableSet", "toUnmodifiableMap", "toConcurrentMap", "groupingByConcurrent");

    private static boolean createsUnorderedCollection(JavaMethodCall call) {
        String owner = call.getTargetOwner().getName();
        String name = call.getName();
        int arity = call.getTarget().getRawParameterTypes().size();
        if (owner.equals(Set.class.getName()) || owner.equals(Map.class.getName())) {
            return UNORDERED_SET_AND_MAP_FACTORIES.contains(name);
        }
        if (owner.equals(Collectors.class.getName())) {
            // toMap and groupingBy choose a HashMap unless given a map factory (their longest overloads).
            return UNORDERED_COLLECTORS.contains(name)
                    || (name.equals("toMap") && arity < 4)
                    || (name.equals("groupingBy") && arity < 3);
        }
        return false;
    }

    static Stream<Arguments> coreRules() {
        return Stream.of(
                Arguments.of("is pure", CORE_IS_PURE),
                Arguments.of("reads no wall clock", NO_WALL_CLOCK),
                Arguments.of("reads no nano time", NO_NANO_TIME),
                Arguments.of("calls no java.time now()", NO_JAVA_TIME_NOW),
                Arguments.of("uses no Clock", NO_CLOCK_OBJECTS),
                Arguments.of("makes no random UUID", NO_RANDOM_UUID),
                Arguments.of("calls no Math.random", NO_MATH_RANDOM),
                Arguments.of("uses no random generator", NO_RANDOM_GENERATORS),
                Arguments.of("uses no hash collection", NO_HASH_COLLECTIONS),
                Arguments.of("builds no unordered Set or Map", NO_UNORDERED_FACTORIES));
    }

    @ParameterizedTest(name = "core {0}")
    @MethodSource("coreRules")
    void coreFollowsRule(String name, ArchRule rule) {
        rule.check(CORE_CLASSES);
    }

    @Test
    void coreClassesAreImportedWithoutTheTests() {
        assertImported(CORE_CLASSES, CORE + ".Transition");
        assertImported(CORE_CLASSES, CORE + ".PoolState");
        // The core's tests draw random numbers and read clocks on purpose; the rules are about production code.
        assertFalse(CORE_CLASSES.contain(CORE + ".PoolPropertyTest"), "test classes were imported as core");
    }

    @Test
    void mainClassesImportNoTestSupport() {
        assertImported(MAIN_CLASSES, "io.poolkeeper.member.RatisPoolMember");
        assertImported(MAIN_CLASSES, "io.poolkeeper.port.LinkFilter");
        assertImported(MAIN_CLASSES, API + ".PoolMember");
        assertFalse(MAIN_CLASSES.contain(ArchitectureTest.class.getName()), "test classes were imported as main");
        MAIN_IMPORTS_NO_TEST_SUPPORT.check(MAIN_CLASSES);
    }

    @Test
    void apiExposesNoRatisGrpcOrProtobuf() {
        assertImported(API_CLASSES, API + ".ErrorCode");
        assertImported(API_CLASSES, API + ".model.Vm");
        API_EXPOSES_NO_IMPLEMENTATION.check(API_CLASSES);
    }

    /**
     * Each rule with a class that breaks it on purpose or by nature (JDK classes, generated protobuf code, the API's
     * id factory): the rule must report it. {@link #NO_MATH_RANDOM} has no such class on the classpath; it, like every
     * other rule, was checked once against scratch classes that break exactly one rule each.
     */
    static Stream<Arguments> knownViolations() {
        return Stream.of(
                Arguments.of(CORE_IS_PURE, io.poolkeeper.proto.PoolCommand.class),
                Arguments.of(NO_WALL_CLOCK, java.util.Date.class),
                Arguments.of(NO_NANO_TIME, java.util.concurrent.FutureTask.class),
                Arguments.of(NO_JAVA_TIME_NOW, java.util.logging.LogRecord.class),
                Arguments.of(NO_CLOCK_OBJECTS, java.time.Instant.class),
                Arguments.of(NO_RANDOM_UUID, io.poolkeeper.api.model.HostId.class),
                Arguments.of(NO_RANDOM_GENERATORS, java.util.Collections.class),
                Arguments.of(NO_HASH_COLLECTIONS, HashSet.class),
                Arguments.of(NO_UNORDERED_FACTORIES, java.lang.module.Configuration.class),
                Arguments.of(API_EXPOSES_NO_IMPLEMENTATION, io.poolkeeper.proto.PoolCommand.class),
                Arguments.of(MAIN_IMPORTS_NO_TEST_SUPPORT, UsesTestSupport.class));
    }

    /** Breaks {@link #MAIN_IMPORTS_NO_TEST_SUPPORT}: a class outside the testing package that uses a class in it. */
    private static final class UsesTestSupport {
        @SuppressWarnings("unused")
        private final io.poolkeeper.testing.KnownViolation used = new io.poolkeeper.testing.KnownViolation();
    }

    @ParameterizedTest(name = "rule {index} reports {1}")
    @MethodSource("knownViolations")
    void rulesReportKnownViolations(ArchRule rule, Class<?> violator) {
        EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(violator));
        assertTrue(result.hasViolation(), "rule found nothing wrong with " + violator.getName() + ": " + rule);
    }

    private static void assertImported(JavaClasses classes, String className) {
        assertTrue(classes.contain(className), className + " was not imported: the rule would check nothing");
    }
}
