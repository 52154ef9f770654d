package model

import "fmt"

// LayerError is a problem with one layer of a custom network; Path locates
// it as model.layers does in YAML ("[3].block.body[1]").
type LayerError struct {
	Path string
	Msg  string
}

func (e *LayerError) Error() string { return fmt.Sprintf("layers%s: %s", e.Path, e.Msg) }

// Custom completes a network described layer by layer (model.layers): the
// input channels and features of conv, linear and batch-norm layers follow
// from the input shape and the layers before, and the network's last
// linear layer may leave Out to the classes. It checks that every layer
// fits its input, that a block's branches agree and that the network ends
// in [classes] logits.
func Custom(input [3]int64, classes int64, ls []Layer) (Arch, error) {
	a := Arch{Name: "custom", Input: input, Classes: classes}
	if len(ls) == 0 {
		return a, &LayerError{Msg: "no layers"}
	}
	out, end, err := complete(ls, Shape(input), "", classes)
	if err != nil {
		return a, err
	}
	if end != (Shape{classes, 1, 1}) {
		return a, &LayerError{Path: fmt.Sprintf("[%d]", len(ls)-1),
			Msg: fmt.Sprintf("the network ends in %s; it must end in %d logits (a linear layer with out %d)", shapeText(end), classes, classes)}
	}
	a.Layers = out
	a.Dense = PrunableWeights(a)
	return a, nil
}

func shapeText(s Shape) string {
	if s[1] == 1 && s[2] == 1 {
		return fmt.Sprintf("%d features", s[0])
	}
	return fmt.Sprintf("%dx%dx%d activations", s[0], s[1], s[2])
}

// complete fills one sequence of layers and returns its output shape;
// classes > 0 only for the network's own sequence.
func complete(ls []Layer, s Shape, prefix string, classes int64) ([]Layer, Shape, error) {
	out := make([]Layer, len(ls))
	for i, l := range ls {
		path := fmt.Sprintf("%s[%d]", prefix, i)
		fail := func(format string, args ...any) ([]Layer, Shape, error) {
			return nil, s, &LayerError{Path: path, Msg: fmt.Sprintf(format, args...)}
		}
		next := Shape{}
		switch l.Kind {
		case KConv, KMaxPool:
			if l.Kind == KConv {
				l.In = s[0]
			}
			if l.Kernel > s[1]+2*l.Pad || l.Kernel > s[2]+2*l.Pad {
				path += "." + l.Kind + ".kernel"
				return fail("%s kernel %d does not fit its input (%s, padded by %d)", l.Kind, l.Kernel, shapeText(s), l.Pad)
			}
		case KLinear:
			if s[1] != 1 || s[2] != 1 {
				return fail("linear needs a flat input, got %s: put flatten or gap before it", shapeText(s))
			}
			l.In = s[0]
			if l.Out == 0 {
				if classes == 0 || i != len(ls)-1 {
					return fail("linear needs out (only the network's last layer defaults to the classes)")
				}
				l.Out = classes
			}
		case KBN:
			l.Out = s[0]
		case KBlock:
			body, b, err := complete(l.Body, s, path+".block.body", 0)
			if err != nil {
				return nil, s, err
			}
			short, sc, err := complete(l.Short, s, path+".block.shortcut", 0)
			if err != nil {
				return nil, s, err
			}
			if b != sc {
				what := "the shortcut"
				if len(short) == 0 {
					what = "the identity shortcut"
				}
				return fail("the body gives %s and %s %s: they must agree to be added", shapeText(b), what, shapeText(sc))
			}
			l.Body, l.Short = body, short
			next = b
		}
		if l.Kind != KBlock {
			next = outShape(l, s)
		}
		out[i], s = l, next
	}
	return out, s, nil
}
