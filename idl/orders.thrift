// The example Thrift service behind the mesh: `orders.OrderService`.
include "shared.thrift"

namespace java acme.orders.thrift
namespace php Acme.Orders
namespace js orders

enum OrderStatus {
  PENDING = 1,
  PAID = 2,
  SHIPPED = 3,
  CANCELLED = 4,
}

struct LineItem {
  1: required string sku,
  2: required i32 quantity,
  3: required shared.Money unitPrice,
}

struct Order {
  1: required shared.OrderId id,
  2: required shared.UserId userId,
  3: required OrderStatus status,
  4: list<LineItem> items,
  /** Sum of the line items per currency code, in minor units: {"EUR": 3998}. */
  5: map<string, i64> totals,
  /** When each status was entered: epoch milliseconds to status. */
  6: map<i64, OrderStatus> history,
  7: set<string> tags,
  8: optional string note,
  9: i64 createdAtMillis,
}

exception OrderNotFound {
  1: string message,
  2: i64 orderId,
} (transmesh.code = "NOT_FOUND")

service OrderService {
  /** Throws OrderNotFound for an unknown id. Reads only, so policy may retry it. */
  Order getOrder(1: shared.OrderId id) throws (1: OrderNotFound notFound) (transmesh.idempotent = "true"),

  /** Throws shared.InvalidArgument for an empty item list or a quantity below 1. */
  Order createOrder(1: shared.UserId userId, 2: list<LineItem> items, 3: set<string> tags, 4: string note)
    throws (1: shared.InvalidArgument invalid),

  /** The user's orders in id order; all statuses when `status` is absent. */
  list<Order> listOrders(1: shared.UserId userId, 2: OrderStatus status) (transmesh.idempotent = "true"),

  /** How many orders the user has: an i64 return value. */
  i64 countOrders(1: shared.UserId userId) (transmesh.idempotent = "true"),

  /** Marks the order CANCELLED; a void method. */
  void cancelOrder(1: shared.OrderId id, 2: string reason) throws (1: OrderNotFound notFound),

  /** Fire and forget: appends `event` to the order's tags ("event:<event>") if the order exists. */
  oneway void recordEvent(1: shared.OrderId id, 2: string event),
}
