package com.acme.examples.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.users.v1.CreateUserRequest;
import com.acme.users.v1.GetUserRequest;
import com.acme.users.v1.ListUsersRequest;
import com.acme.users.v1.ListUsersResponse;
import com.acme.users.v1.User;
import com.acme.users.v1.UserServiceGrpc;
import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real server on a free loopback port, called over the network with the generated stub. */
class UserServerTest {
  static UserServer server;
  static ManagedChannel channel;
  static UserServiceGrpc.UserServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    server = UserServer.start("127.0.0.1", 0);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    stub = UserServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.drain();
  }

  @Test
  void int64EdgeUserRoundTrips() {
    User u = stub.getUser(GetUserRequest.newBuilder().setId(Long.MAX_VALUE).build());
    assertEquals(Long.MAX_VALUE, u.getId());
    assertEquals("max@acme.test", u.getEmail());
    assertEquals(Long.MAX_VALUE, u.getBalance().getUnits());
  }

  @Test
  void unknownUserIsNotFoundWithRichDetails() throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.getUser(GetUserRequest.newBuilder().setId(42).build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals("user 42 not found", e.getStatus().getDescription());
    assertNotNull(e.getTrailers().get(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER)));

    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertNotNull(details);
    assertEquals(2, details.getDetailsCount());
    Any first = details.getDetails(0);
    assertTrue(first.is(ErrorInfo.class));
    ErrorInfo info = first.unpack(ErrorInfo.class);
    assertEquals("USER_NOT_FOUND", info.getReason());
    assertEquals("users.acme.example", info.getDomain());
    assertEquals("42", info.getMetadataOrThrow("userId"));
    ResourceInfo resource = details.getDetails(1).unpack(ResourceInfo.class);
    assertEquals("users/42", resource.getResourceName());
    assertEquals("acme.users.v1.User", resource.getResourceType());
  }

  @Test
  void slowCallIsCutByTheCallersDeadline() {
    long t0 = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> UserServiceGrpc.newBlockingStub(channel).withDeadlineAfter(200, TimeUnit.MILLISECONDS)
            .getUser(GetUserRequest.newBuilder().setId(1).setDelayMs(5000).build()));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    assertTrue(ms < 4000, "took " + ms + " ms");
  }

  @Test
  void shortDelayStillAnswers() {
    User u = stub.getUser(GetUserRequest.newBuilder().setId(1).setDelayMs(20).build());
    assertEquals("Ada Lovelace", u.getDisplayName());
  }

  @Test
  void createThenDuplicateThenInvalid() throws Exception {
    CreateUserRequest req = CreateUserRequest.newBuilder()
        .setEmail("linus@acme.test")
        .setDisplayName("Linus")
        .putLabels("team", "kernel")
        .addRoles("maintainer")
        .setAddress(User.Address.newBuilder().setCity("Portland").setCountryCode("US"))
        .build();
    User u = stub.createUser(req);
    assertTrue(u.getId() >= 1000);
    assertEquals(User.Status.ACTIVE, u.getStatus());
    assertTrue(u.hasCreatedAt());
    assertEquals("kernel", u.getLabelsOrThrow("team"));
    assertEquals(u, stub.getUser(GetUserRequest.newBuilder().setId(u.getId()).build()));

    StatusRuntimeException dup = assertThrows(StatusRuntimeException.class, () -> stub.createUser(req));
    assertEquals(Status.Code.ALREADY_EXISTS, dup.getStatus().getCode());

    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
        () -> stub.createUser(req.toBuilder().setEmail("not-an-email").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    BadRequest br = StatusProto.fromThrowable(bad).getDetails(0).unpack(BadRequest.class);
    assertEquals("email", br.getFieldViolations(0).getField());
  }

  @Test
  void listPagesInIdOrderAndFilters() {
    ListUsersResponse first = stub.listUsers(ListUsersRequest.newBuilder().setPageSize(2).build());
    assertEquals(2, first.getUsersCount());
    assertEquals(1, first.getUsers(0).getId());
    assertEquals(2, first.getUsers(1).getId());
    assertEquals("2", first.getNextPageToken());
    assertTrue(first.getTotalSize() >= 3);

    ListUsersResponse rest = stub.listUsers(
        ListUsersRequest.newBuilder().setPageSize(1000).setPageToken(first.getNextPageToken()).build());
    assertEquals(Long.MAX_VALUE, rest.getUsers(rest.getUsersCount() - 1).getId());
    assertEquals("", rest.getNextPageToken());

    ListUsersResponse suspended = stub.listUsers(ListUsersRequest.newBuilder().setStatus(User.Status.SUSPENDED).build());
    assertEquals(1, suspended.getUsersCount());
    assertEquals("grace@acme.test", suspended.getUsers(0).getEmail());
    assertEquals(1, suspended.getTotalSize());

    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
        () -> stub.listUsers(ListUsersRequest.newBuilder().setPageToken("nope").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
  }

  @Test
  void echoesXEchoMetadataAsResponseHeaders() {
    Metadata sent = new Metadata();
    sent.put(Metadata.Key.of("x-echo-trace", Metadata.ASCII_STRING_MARSHALLER), "abc-123");
    sent.put(Metadata.Key.of("x-other", Metadata.ASCII_STRING_MARSHALLER), "not echoed");
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    stub.withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(sent),
            MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
        .getUser(GetUserRequest.newBuilder().setId(1).build());
    assertEquals("abc-123", headers.get().get(Metadata.Key.of("x-echo-trace", Metadata.ASCII_STRING_MARSHALLER)));
    assertFalse(headers.get().containsKey(Metadata.Key.of("x-other", Metadata.ASCII_STRING_MARSHALLER)));
  }
}
