/*
 * hal_err.h: return codes shared by every HAL interface.
 *
 * Every HAL operation returns HAL_OK (0) or one of the negative codes below.
 * An optional operation that a device lacks returns HAL_ENOTSUP; callers
 * must treat that as "this device cannot", never as a crash.
 */
#ifndef HAL_ERR_H
#define HAL_ERR_H

enum hal_err {
	HAL_OK = 0,
	HAL_ENOTSUP = -1,  /* the device has no such operation */
	HAL_EIO = -2,      /* the device failed; retrying may help */
	HAL_ETIMEDOUT = -3,/* nothing happened within the timeout */
	HAL_ENOENT = -4,   /* no such reader, blob, module or host */
	HAL_ENOMEM = -5,   /* out of memory or the caller's buffer is too small */
	HAL_EREMOVED = -6, /* the card or device went away mid-operation */
	HAL_EINVAL = -7,   /* bad argument (a bug in the caller) */
	HAL_EAGAIN = -8,   /* non-blocking operation would block */
	HAL_ECLOSED = -9,  /* the peer closed the connection */
	HAL_EREFUSED = -10,/* connection refused / host unreachable */
};

/* Runs an optional operation when the device has it. */
#define HAL_CALL(dev, op, ...) \
	((dev) && (dev)->ops && (dev)->ops->op ? (dev)->ops->op((dev)->ctx, __VA_ARGS__) \
					       : HAL_ENOTSUP)
#define HAL_CALL0(dev, op) \
	((dev) && (dev)->ops && (dev)->ops->op ? (dev)->ops->op((dev)->ctx) : HAL_ENOTSUP)

#endif
