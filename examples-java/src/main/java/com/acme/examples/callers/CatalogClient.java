package com.acme.examples.callers;

import com.acme.catalog.v1.CatalogServiceGrpc;
import com.acme.catalog.v1.GetItemRequest;
import com.acme.catalog.v1.Item;
import com.acme.catalog.v1.ListItemsRequest;
import com.acme.catalog.v1.Reservation;
import com.acme.catalog.v1.ReserveItemRequest;
import com.acme.examples.Flags;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A plain grpc-java caller of acme.catalog.v1.CatalogService (served by the PHP app of
 * examples-php/catalog.php) through its own sidecar: the channel points at the sidecar's
 * --listen port, in cleartext, and the mesh does discovery, policy, access, quotas and traces.
 *
 * <p>`catalog-client [--target localhost:15001] [--route VALUE] [--quota-probe N] [--check]`:
 * --route sends metadata x-php-server: VALUE (the demo's policy routes on it), --quota-probe calls
 * ListItems up to N times and expects the mesh's quota to refuse one (RESOURCE_EXHAUSTED).
 */
public final class CatalogClient {
  private static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> ROUTE = Metadata.Key.of("x-php-server", Metadata.ASCII_STRING_MARSHALLER);

  private CatalogClient() {}

  public static int run(String[] argv) throws InterruptedException {
    List<String> args = new ArrayList<>(Arrays.asList(argv));
    boolean check = Checks.takeCheck(args);
    Flags flags = Flags.parse("catalog-client", args.toArray(String[]::new), Map.of("target", "localhost:15001", "route", "", "quota-probe", "0"));
    ManagedChannel channel = ManagedChannelBuilder.forTarget(flags.get("target")).usePlaintext().build();
    try {
      CatalogServiceGrpc.CatalogServiceBlockingStub stub = CatalogServiceGrpc.newBlockingStub(channel);
      if (!flags.get("route").isEmpty()) {
        Metadata headers = new Metadata();
        headers.put(ROUTE, flags.get("route"));
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      Checks checks = new Checks("java grpc client" + (flags.get("route").isEmpty() ? "" : " (x-php-server: " + flags.get("route") + ")"));
      calls(checks, stub);
      int probe = Integer.parseInt(flags.get("quota-probe"));
      if (probe > 0) quota(checks, stub, probe);
      return checks.finish(check);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A deadline per call, from when it starts (a stub's deadline is absolute). */
  private static CatalogServiceGrpc.CatalogServiceBlockingStub d(CatalogServiceGrpc.CatalogServiceBlockingStub stub) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void calls(Checks checks, CatalogServiceGrpc.CatalogServiceBlockingStub s) {
    checks.answer("GetItem(id=9223372036854775807)", () -> d(s).getItem(GetItemRequest.newBuilder().setId(Long.MAX_VALUE).build()),
        (Item i) -> i.getId() == Long.MAX_VALUE && i.getPriceMinor() == Long.MAX_VALUE && i.getSku().equals("LAST-1") && !i.getServedBy().isEmpty());
    checks.answer("ReserveItem(id=1, quantity=2)", () -> d(s).reserveItem(ReserveItemRequest.newBuilder().setId(1).setQuantity(2).build()),
        (Reservation r) -> r.getItemId() == 1 && r.getQuantity() == 2 && !r.getReservedFor().isEmpty());
    status(checks, "GetItem(id=5), no such item", Status.Code.NOT_FOUND, () -> d(s).getItem(GetItemRequest.newBuilder().setId(5).build()));
    status(checks, "ReserveItem(id=2, quantity=1), none in stock", Status.Code.FAILED_PRECONDITION,
        () -> d(s).reserveItem(ReserveItemRequest.newBuilder().setId(2).setQuantity(1).build()));
    status(checks, "ReserveItem(id=1, quantity=0)", Status.Code.INVALID_ARGUMENT,
        () -> d(s).reserveItem(ReserveItemRequest.newBuilder().setId(1).setQuantity(0).build()));
    status(checks, "GetItem(id=13), PHP answers a string for an int32", Status.Code.INTERNAL, () -> d(s).getItem(GetItemRequest.newBuilder().setId(13).build()));
    status(checks, "GetItem(id=500), PHP throws a LogicException", Status.Code.UNKNOWN, () -> d(s).getItem(GetItemRequest.newBuilder().setId(500).build()));
  }

  /** ListItems until the mesh's quota refuses; the answers before the refusal must be whole. */
  private static void quota(Checks checks, CatalogServiceGrpc.CatalogServiceBlockingStub stub, int max) {
    int answered = 0;
    for (int i = 0; i < max; i++) {
      try {
        int n = d(stub).listItems(ListItemsRequest.getDefaultInstance()).getItemsCount();
        if (n != 3) {
          checks.saw("ListItems()", n + " items", false);
          return;
        }
        answered++;
      } catch (StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        String pushback = trailers == null ? null : trailers.get(PUSHBACK);
        checks.saw("ListItems() x" + (answered + 1), answered + " answered with 3 items, then " + e.getStatus().getCode()
            + " (grpc-retry-pushback-ms: " + pushback + "): " + e.getStatus().getDescription(),
            e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED && pushback != null);
        return;
      }
    }
    checks.saw("ListItems() x" + max, "every call answered: no quota applied", false);
  }

  private static void status(Checks checks, String call, Status.Code expected, Checks.Call<?> run) {
    try {
      checks.saw(call, "answered " + String.valueOf(run.run()).replaceAll("\\s+", " "), false);
    } catch (StatusRuntimeException e) {
      checks.saw(call, e.getStatus().getCode() + ": " + e.getStatus().getDescription(), e.getStatus().getCode() == expected);
    } catch (Exception e) {
      checks.saw(call, e.toString(), false);
    }
  }
}
