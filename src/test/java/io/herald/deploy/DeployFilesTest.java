package io.herald.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.config.Settings;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files (deploy/kubernetes, deploy/systemd, Dockerfile) agree with each other and
 * with the node: there is no Kubernetes API server or container engine to try them on here, so this
 * checks what they must get right. The manifests are parsed with SnakeYAML (on the classpath
 * through vertx-config-yaml).
 */
class DeployFilesTest {

  static final Path KUBERNETES = Path.of("deploy/kubernetes");

  /** Every object of every manifest, by "Kind/name". */
  static Map<String, Map<String, Object>> objects = new LinkedHashMap<>();

  static final Map<String, String> API_VERSIONS =
      Map.of(
          "ServiceAccount", "v1",
          "Service", "v1",
          "Role", "rbac.authorization.k8s.io/v1",
          "RoleBinding", "rbac.authorization.k8s.io/v1",
          "StatefulSet", "apps/v1",
          "PodDisruptionBudget", "policy/v1",
          "NetworkPolicy", "networking.k8s.io/v1");

  @BeforeAll
  static void parse() throws IOException {
    try (Stream<Path> files = Files.list(KUBERNETES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        if (file.getFileName().toString().equals("kustomization.yaml")) {
          continue;
        }
        for (Object doc : new Yaml().loadAll(Files.readString(file))) {
          assertNotNull(doc, file + ": an empty document");
          Map<String, Object> object = map(doc);
          String kind = (String) object.get("kind");
          String name = (String) map(object.get("metadata")).get("name");
          assertNotNull(kind, file + ": kind");
          assertNotNull(name, file + ": metadata.name");
          assertEquals(API_VERSIONS.get(kind), object.get("apiVersion"), file + ": " + kind);
          assertEquals(null, objects.put(kind + "/" + name, object), "one " + kind + "/" + name);
        }
      }
    }
  }

  @Test
  void kustomizationListsEveryManifest() throws IOException {
    Map<String, Object> kustomization =
        map(new Yaml().load(Files.readString(KUBERNETES.resolve("kustomization.yaml"))));
    Set<String> listed = new TreeSet<>(strings(kustomization.get("resources")));
    Set<String> files;
    try (Stream<Path> list = Files.list(KUBERNETES)) {
      files =
          list.map(f -> f.getFileName().toString())
              .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(files, listed);
  }

  @Test
  void theHeadlessServiceIsTheOneTheHazelcastDiscoveryAsksFor() throws Exception {
    Document xml =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(Path.of("conf/cluster-kubernetes.xml").toFile());
    String serviceName = xml.getElementsByTagName("service-name").item(0).getTextContent().trim();
    assertEquals(
        "false",
        xml.getElementsByTagName("service-dns").getLength() == 0 ? "false" : "true",
        "the API mode (needs the RBAC of rbac.yaml)");

    Map<String, Object> headless = object("Service/" + serviceName);
    Map<String, Object> spec = map(headless.get("spec"));
    assertEquals("None", spec.get("clusterIP"));
    assertEquals(true, spec.get("publishNotReadyAddresses"), "nodes join before they are ready");
    List<Map<String, Object>> ports = maps(spec.get("ports"));
    assertEquals(1, ports.size(), "the member port alone: the discovery takes the port from it");
    assertEquals(5701, ports.get(0).get("port"));
    assertEquals(podLabels(), selectorOf(spec), "the headless Service selects the Herald pods");

    Map<String, Object> statefulSet = statefulSet();
    assertEquals(serviceName, map(statefulSet.get("spec")).get("serviceName"));
    assertEquals("conf/cluster-kubernetes.xml", env().get("HERALD_CLUSTER_CONFIG"));
    assertFalse(env().containsKey("HERALD_CLUSTER_MEMBERS"), "a member list would replace it");
  }

  @Test
  void theRoleGrantsTheDiscoveryAndIsBoundToThePodsServiceAccount() {
    Map<String, Object> pod = podSpec();
    String account = (String) pod.get("serviceAccountName");
    assertNotNull(object("ServiceAccount/" + account));
    Map<String, Object> binding = object("RoleBinding/herald-discovery");
    Map<String, Object> subject = maps(binding.get("subjects")).get(0);
    assertEquals("ServiceAccount", subject.get("kind"));
    assertEquals(account, subject.get("name"));
    Map<String, Object> role = object("Role/" + map(binding.get("roleRef")).get("name"));
    Set<String> granted = new TreeSet<>();
    for (Map<String, Object> rule : maps(role.get("rules"))) {
      assertTrue(strings(rule.get("verbs")).containsAll(List.of("get", "list")), rule.toString());
      granted.addAll(strings(rule.get("resources")));
    }
    assertTrue(
        granted.containsAll(List.of("endpoints", "endpointslices", "pods", "services")),
        granted.toString());
  }

  @Test
  void selectorsMatchThePodLabels() {
    Map<String, Object> spec = map(statefulSet().get("spec"));
    Map<String, Object> labels = podLabels();
    assertFalse(labels.isEmpty());
    assertEquals(labels, map(map(spec.get("selector")).get("matchLabels")));
    assertEquals(labels, selectorOf(map(object("Service/herald").get("spec"))));
    assertEquals(
        labels,
        map(
            map(map(object("PodDisruptionBudget/herald").get("spec")).get("selector"))
                .get("matchLabels")));
    assertEquals(
        labels,
        map(
            map(map(object("NetworkPolicy/herald").get("spec")).get("podSelector"))
                .get("matchLabels")));
  }

  @Test
  void probesAskHealthAndReadyOnTheContainersHttpPort() {
    Map<String, Object> container = container();
    Map<String, Integer> ports = new HashMap<>();
    maps(container.get("ports"))
        .forEach(p -> ports.put((String) p.get("name"), (Integer) p.get("containerPort")));
    int http = Integer.parseInt(env().getOrDefault("HERALD_HTTP_PORT", "8080"));
    assertEquals(http, ports.get("http"), "the container's http port is the node's");
    assertEquals(
        Integer.parseInt(env().getOrDefault("HERALD_CLUSTER_PORT", "5701")),
        ports.get("hazelcast"));
    assertEquals(
        Integer.parseInt(env().getOrDefault("HERALD_CLUSTER_BUS_PORT", "-1")),
        ports.get("eventbus"),
        "a fixed event-bus port, declared");
    assertEquals("0.0.0.0", env().get("HERALD_HTTP_HOST"), "the kubelet reaches the pod IP");

    Map<String, String> paths =
        Map.of("livenessProbe", "/health", "readinessProbe", "/ready", "startupProbe", "/health");
    paths.forEach(
        (probe, path) -> {
          Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
          assertEquals(path, get.get("path"), probe);
          Object port = get.get("port");
          assertEquals(http, port instanceof String name ? ports.get(name) : port, probe);
        });

    Map<String, Object> client = object("Service/herald");
    Map<String, Object> clientPort = maps(map(client.get("spec")).get("ports")).get(0);
    Object target = clientPort.get("targetPort");
    assertEquals(http, target instanceof String name ? ports.get(name) : target);
  }

  @Test
  void thePodRunsAsTheImagesNonRootUserWithTheAdminPasswordFromASecret() throws IOException {
    Map<String, Object> pod = podSpec();
    Map<String, Object> security = map(pod.get("securityContext"));
    assertEquals(true, security.get("runAsNonRoot"));
    Matcher useradd =
        Pattern.compile("useradd .*--uid (\\d+)").matcher(Files.readString(Path.of("Dockerfile")));
    assertTrue(useradd.find(), "the Dockerfile's user");
    assertEquals(Integer.parseInt(useradd.group(1)), security.get("runAsUser"));
    Map<String, Object> container = map(container().get("securityContext"));
    assertEquals(false, container.get("allowPrivilegeEscalation"));
    assertEquals(List.of("ALL"), map(container.get("capabilities")).get("drop"));

    Map<String, Object> password =
        maps(container().get("env")).stream()
            .filter(e -> "HERALD_ADMIN_PASSWORD".equals(e.get("name")))
            .findFirst()
            .orElseThrow();
    assertFalse(password.containsKey("value"), "never a literal password");
    Map<String, Object> ref = map(map(password.get("valueFrom")).get("secretKeyRef"));
    assertNotNull(ref.get("name"));
    assertNotNull(ref.get("key"));

    Map<String, Object> resources = map(container().get("resources"));
    assertTrue(map(resources.get("requests")).containsKey("memory"));
    assertTrue(map(resources.get("limits")).containsKey("memory"));
    assertTrue(
        maps(container().get("volumeMounts")).stream()
            .anyMatch(m -> env().get("HERALD_DATA_DIR").equals(m.get("mountPath"))),
        "the data directory is a volume");
  }

  @Test
  void stopTimeoutsExceedTheNodesDrainAndGrace() throws IOException {
    Settings defaults = Settings.of(new JsonObject());
    long graceMs =
        Long.parseLong(
            env().getOrDefault("HERALD_SHUTDOWN_GRACE_MS", "" + defaults.shutdownGraceMs()));
    long drainMs = Long.parseLong(env().getOrDefault("HERALD_SHUTDOWN_DRAIN_MS", "0"));
    assertTrue(drainMs <= graceMs, "the drain fits in the grace period");
    // The node stops within the grace, then Hazelcast's graceful shutdown (at most 10 s).
    long needed = graceMs + 10_000;
    Number pod = (Number) podSpec().get("terminationGracePeriodSeconds");
    assertTrue(pod.longValue() * 1000 > needed, "terminationGracePeriodSeconds " + pod);

    String unit = Files.readString(Path.of("deploy/systemd/herald.service"));
    Map<String, String> keys = new HashMap<>();
    for (String line : unit.split("\n")) {
      Matcher m = Pattern.compile("^([A-Za-z]+)=(.*)$").matcher(line);
      if (m.find()) {
        keys.put(m.group(1), m.group(2));
      }
    }
    assertTrue(Long.parseLong(keys.get("TimeoutStopSec")) * 1000 > needed, "TimeoutStopSec");
    assertEquals("SIGTERM", keys.get("KillSignal"));
    assertEquals("herald", keys.get("User"));
    assertNotNull(keys.get("EnvironmentFile"));
    assertEquals("on-failure", keys.get("Restart"));
    assertEquals("yes", keys.get("NoNewPrivileges"));
    assertEquals("strict", keys.get("ProtectSystem"));
    assertTrue(keys.get("ExecStart").contains("exec java"), "java gets the SIGTERM itself");
  }

  private static Map<String, Object> object(String key) {
    return Objects.requireNonNull(objects.get(key), key + " in deploy/kubernetes");
  }

  private static Map<String, Object> statefulSet() {
    return object("StatefulSet/herald");
  }

  private static Map<String, Object> podSpec() {
    return map(map(map(statefulSet().get("spec")).get("template")).get("spec"));
  }

  private static Map<String, Object> podLabels() {
    return map(
        map(map(map(statefulSet().get("spec")).get("template")).get("metadata")).get("labels"));
  }

  private static Map<String, Object> container() {
    List<Map<String, Object>> containers = maps(podSpec().get("containers"));
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  /** The container's literal environment variables. */
  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    for (Map<String, Object> e : maps(container().get("env"))) {
      if (e.containsKey("value")) {
        env.put((String) e.get("name"), String.valueOf(e.get("value")));
      }
    }
    return env;
  }

  private static Map<String, Object> selectorOf(Map<String, Object> serviceSpec) {
    return map(serviceSpec.get("selector"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertTrue(o instanceof Map, "a mapping: " + o);
    return (Map<String, Object>) o;
  }

  private static List<Map<String, Object>> maps(Object o) {
    assertTrue(o instanceof List, "a list: " + o);
    List<Map<String, Object>> list = new ArrayList<>();
    ((List<?>) o).forEach(item -> list.add(map(item)));
    return list;
  }

  private static List<String> strings(Object o) {
    assertTrue(o instanceof List, "a list: " + o);
    return ((List<?>) o).stream().map(String::valueOf).toList();
  }
}
