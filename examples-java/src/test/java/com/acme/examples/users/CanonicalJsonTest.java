package com.acme.examples.users;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.Test;

/**
 * The canonical proto3 JSON (protobuf's own JsonFormat) of the fixtures: what the mesh must
 * print for them, and what examples-php/client.php expects. A change here breaks that client.
 */
class CanonicalJsonTest {
  static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .omittingInsignificantWhitespace()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(ErrorInfo.getDescriptor())
          .add(ResourceInfo.getDescriptor())
          .build());

  @Test
  void ada() throws Exception {
    assertEquals("{\"id\":\"1\",\"email\":\"ada@acme.test\",\"displayName\":\"Ada Lovelace\",\"status\":\"ACTIVE\","
        + "\"address\":{\"street\":\"12 St James Square\",\"city\":\"London\",\"countryCode\":\"GB\"},"
        + "\"labels\":{\"team\":\"research\"},\"roles\":[\"admin\",\"engineer\"],"
        + "\"createdAt\":\"2024-01-15T10:00:00Z\","
        + "\"balance\":{\"currencyCode\":\"EUR\",\"units\":\"1250\",\"nanos\":500000000}}",
        PRINTER.print(UserStore.seeded().get(1)));
  }

  @Test
  void graceHasNegativeMoneyAndMillis() throws Exception {
    assertEquals("{\"id\":\"2\",\"email\":\"grace@acme.test\",\"displayName\":\"Grace Hopper\",\"status\":\"SUSPENDED\","
        + "\"roles\":[\"engineer\"],\"createdAt\":\"2024-02-01T00:00:00.123Z\","
        + "\"balance\":{\"currencyCode\":\"USD\",\"units\":\"-42\",\"nanos\":-500000000}}",
        PRINTER.print(UserStore.seeded().get(2)));
  }

  @Test
  void int64Edge() throws Exception {
    assertEquals("{\"id\":\"9223372036854775807\",\"email\":\"max@acme.test\",\"displayName\":\"Max Int64\","
        + "\"status\":\"ACTIVE\",\"labels\":{\"fixture\":\"int64-edge\"},\"createdAt\":\"2024-01-01T00:00:00Z\","
        + "\"balance\":{\"currencyCode\":\"USD\",\"units\":\"9223372036854775807\"}}",
        PRINTER.print(UserStore.seeded().get(Long.MAX_VALUE)));
  }

  @Test
  void notFoundDetails() throws Exception {
    assertEquals("{\"code\":5,\"message\":\"user 42 not found\",\"details\":["
        + "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"USER_NOT_FOUND\","
        + "\"domain\":\"users.acme.example\",\"metadata\":{\"userId\":\"42\"}},"
        + "{\"@type\":\"type.googleapis.com/google.rpc.ResourceInfo\",\"resourceType\":\"acme.users.v1.User\","
        + "\"resourceName\":\"users/42\",\"description\":\"no user has this id\"}]}",
        PRINTER.print(StatusProto.fromThrowable(UserServiceImpl.notFound(42))));
  }
}
