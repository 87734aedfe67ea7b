package com.acme.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import acme.orders.thrift.LineItem;
import acme.orders.thrift.Order;
import acme.orders.thrift.OrderNotFound;
import acme.orders.thrift.OrderService;
import acme.orders.thrift.OrderStatus;
import acme.shared.thrift.Currency;
import acme.shared.thrift.InvalidArgument;
import acme.shared.thrift.Money;
import java.util.List;
import java.util.Set;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real server on a free loopback port, in each transport/protocol the mesh may dial. */
class OrderServerTest {
  interface Body {
    void run(OrderService.Client client) throws Exception;
  }

  /** A fresh server (fresh store) per call, so each case sees the seed data only. */
  static void withClient(String transport, String protocol, Body body) throws Exception {
    OrderServer server = OrderServer.start("127.0.0.1", 0, transport, protocol);
    TTransport t = new TSocket("127.0.0.1", server.port(), 10_000);
    if (transport.equals("framed")) t = new TFramedTransport(t);
    t.open();
    try {
      TProtocol p = protocol.equals("compact") ? new TCompactProtocol(t) : new TBinaryProtocol(t);
      body.run(new OrderService.Client(p));
    } finally {
      t.close();
      server.drain();
    }
  }

  @ParameterizedTest
  @CsvSource({"framed,binary", "buffered,binary", "framed,compact"})
  void int64EdgeOrderRoundTrips(String transport, String protocol) throws Exception {
    withClient(transport, protocol, c -> {
      Order o = c.getOrder(Long.MAX_VALUE);
      assertEquals(Long.MAX_VALUE, o.getId());
      assertEquals(Long.MAX_VALUE, o.getUserId());
      assertEquals(OrderStatus.SHIPPED, o.getStatus());
      assertEquals(Long.MAX_VALUE, o.getItems().get(0).getUnitPrice().getAmountMinor());
      assertEquals(Long.MAX_VALUE, o.getTotals().get("USD"));
      assertEquals(OrderStatus.SHIPPED, o.getHistory().get(Long.MAX_VALUE));
      assertEquals(1, c.countOrders(Long.MAX_VALUE));
      assertEquals(List.of(o), c.listOrders(Long.MAX_VALUE, null));
    });
  }

  @ParameterizedTest
  @CsvSource({"framed,binary", "buffered,binary", "framed,compact"})
  void unknownOrderThrowsDeclaredException(String transport, String protocol) throws Exception {
    withClient(transport, protocol, c -> {
      OrderNotFound e = assertThrows(OrderNotFound.class, () -> c.getOrder(42));
      assertEquals(42, e.getOrderId());
      assertEquals("order 42 not found", e.getMessage());
      assertThrows(OrderNotFound.class, () -> c.cancelOrder(42, "why not"));
    });
  }

  @ParameterizedTest
  @CsvSource({"framed,binary"})
  void createCancelAndRecordEvent(String transport, String protocol) throws Exception {
    withClient(transport, protocol, c -> {
      Order created = c.createOrder(1, List.of(
          new LineItem("BOOK-1", 2, new Money(Currency.EUR, 1999)),
          new LineItem("MUG-3", 1, new Money(Currency.USD, 1200))), Set.of("php"), "ring twice");
      assertTrue(created.getId() >= 5000);
      assertEquals(OrderStatus.PENDING, created.getStatus());
      assertEquals(3998L, created.getTotals().get("EUR"));
      assertEquals(1200L, created.getTotals().get("USD"));
      assertEquals("ring twice", created.getNote());
      assertEquals(2, c.countOrders(1));
      assertEquals(List.of(1001L, created.getId()), c.listOrders(1, null).stream().map(Order::getId).toList());
      assertEquals(List.of(created.getId()), c.listOrders(1, OrderStatus.PENDING).stream().map(Order::getId).toList());

      c.cancelOrder(created.getId(), "changed my mind");
      Order cancelled = c.getOrder(created.getId());
      assertEquals(OrderStatus.CANCELLED, cancelled.getStatus());
      assertEquals("cancelled: changed my mind", cancelled.getNote());

      // oneway: no reply, but one connection is served in order, so the next call sees it.
      c.recordEvent(created.getId(), "viewed");
      assertTrue(c.getOrder(created.getId()).getTags().contains("event:viewed"));
      c.recordEvent(42, "ignored");
      assertFalse(c.getOrder(1001).getTags().contains("event:ignored"));
    });
  }

  @ParameterizedTest
  @CsvSource({"framed,binary"})
  void invalidOrdersAreRefusedWithTheField(String transport, String protocol) throws Exception {
    withClient(transport, protocol, c -> {
      InvalidArgument empty = assertThrows(InvalidArgument.class, () -> c.createOrder(1, List.of(), Set.of(), null));
      assertEquals("items", empty.getField());
      InvalidArgument zero = assertThrows(InvalidArgument.class,
          () -> c.createOrder(1, List.of(new LineItem("X", 0, new Money(Currency.EUR, 1))), Set.of(), null));
      assertEquals("items[0].quantity", zero.getField());
      InvalidArgument overflow = assertThrows(InvalidArgument.class,
          () -> c.createOrder(1, List.of(new LineItem("X", 2, new Money(Currency.EUR, Long.MAX_VALUE))), Set.of(), null));
      assertEquals("items[0]", overflow.getField());
    });
  }
}
