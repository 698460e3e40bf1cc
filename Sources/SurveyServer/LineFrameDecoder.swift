import NIOCore
import SurveyProtocol

/// Frames inbound bytes into bounded lines with ``LineFramer``: never buffers more than the line
/// limit, whatever the peer sends.
final class LineFrameDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = InboundEvent

    private var framer: LineFramer

    init(maxLineBytes: Int) {
        framer = LineFramer(maxLineBytes: maxLineBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        // One event per read, not per line: the pipeline and the connection's async sequence
        // are crossed once for all the lines a read completes.
        let lines = framer.push(buffer.readableBytesView)
        if !lines.isEmpty {
            context.fireChannelRead(wrapInboundOut(.framed(lines)))
        }
    }
}

/// Turns the idle timeout (measured on complete lines: it sits after the framer), the login
/// deadline, and the server's drain and displacement requests into events of the connection's loop.
final class SessionEventBridge: ChannelInboundHandler {
    typealias InboundIn = InboundEvent
    typealias InboundOut = InboundEvent

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if context.channel.isWritable {
                deliver(.idleTimeout, context: context)
            } else {
                // The peer reads nothing we send: no point in a polite goodbye.
                context.close(promise: nil)
            }
        } else if event is DrainRequest {
            deliver(.drain, context: context)
        } else if event is LoginDeadlineExpired || event is DisplaceRequest {
            if context.channel.isWritable {
                deliver(event is DisplaceRequest ? .displaced : .loginTimeout, context: context)
            } else {
                context.close(promise: nil)
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func deliver(_ event: InboundEvent, context: ChannelHandlerContext) {
        context.fireChannelRead(wrapInboundOut(event))
        // The async channel hands reads over on read-complete.
        context.fireChannelReadComplete()
    }
}
