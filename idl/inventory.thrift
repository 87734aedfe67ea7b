// The example Thrift service a PHP application serves (examples-php/catalog.php):
// `inventory.InventoryService`, called by Java over Thrift through the mesh.
namespace java acme.inventory.thrift
namespace php Acme.Inventory
namespace js inventory

exception ItemNotFound {
  1: string message,
  2: i64 itemId,
} (transmesh.code = "NOT_FOUND")

exception OutOfStock {
  1: string message,
  2: i64 itemId,
  3: i32 available,
} (transmesh.code = "FAILED_PRECONDITION")

struct StockLevel {
  1: required i64 itemId,
  2: required i32 available,
  /** Which PHP server answered: "cli-server" (php -S) or "fpm-fcgi" (PHP-FPM). */
  3: string servedBy,
}

service InventoryService {
  /** Throws ItemNotFound for an unknown id. Reads only, so policy may retry it. */
  StockLevel getStock(1: i64 itemId) throws (1: ItemNotFound notFound) (transmesh.idempotent = "true"),

  /** Takes `quantity` off the stock: ItemNotFound, or OutOfStock when fewer are left. */
  StockLevel reserve(1: i64 itemId, 2: i32 quantity) throws (1: ItemNotFound notFound, 2: OutOfStock outOfStock),

  /** Units in stock over all items: an i64 return value. */
  i64 totalUnits() (transmesh.idempotent = "true"),
}
