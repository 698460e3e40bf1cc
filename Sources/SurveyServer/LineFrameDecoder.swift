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
        for line in framer.push(buffer.readableBytesView) {
            context.fireChannelRead(wrapInboundOut(.framed(line)))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if context.channel.isWritable {
                context.fireChannelRead(wrapInboundOut(.idleTimeout))
            } else {
                // The peer reads nothing we send: no point in a polite goodbye.
                context.close(promise: nil)
            }
        } else if event is DrainRequest {
            context.fireChannelRead(wrapInboundOut(.drain))
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
