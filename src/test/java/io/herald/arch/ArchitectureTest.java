package io.herald.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package graph of src/main: what may depend on what. */
class ArchitectureTest {

  private static JavaClasses main;

  @BeforeAll
  static void importMain() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.herald");
  }

  /** Every package is a slice of its own, io.herald (the API) included. */
  private static final SliceAssignment EACH_PACKAGE =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
          return SliceIdentifier.of(javaClass.getPackageName());
        }

        @Override
        public String getDescription() {
          return "every package of io.herald";
        }
      };

  @Test
  void noPackageDependsOnOneThatDependsOnItBack() {
    slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles().check(main);
  }

  @Test
  void theApiDependsOnNoOtherHeraldPackage() {
    noClasses()
        .that()
        .resideInAPackage("io.herald")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.herald.(*)..")
        .check(main);
  }

  @Test
  void onlyTheNodeKnowsWhereServicesComeFrom() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.herald.node")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.herald.node")
        .check(main);
  }

  @Test
  void hazelcastIsKnownOnlyToTheClusterAdapter() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.herald.cluster", "io.herald.node")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.hazelcast..", "io.vertx.spi.cluster.hazelcast..")
        .check(main);
  }

  /**
   * No class depends on a Vert.x internal at compile time. (TextFrames, VertxInternals and
   * DirectWrites reach theirs by name; their tests fail when one moves.)
   */
  @Test
  void noVertxInternals() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vertx..impl..", "io.vertx.core.internal..")
        .check(main);
  }
}
