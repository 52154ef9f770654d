package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Group is a set of units (neurons or channels) that are kept or removed
// together: the output units of its producers and the matching inputs of its
// consumers. Channels joined by a residual addition form one tied group.
type Group struct {
	Name      string     `json:"name"` // path of the first producer
	Size      int64      `json:"size"`
	Conv      bool       `json:"conv"`      // channels of conv layers (else neurons)
	Producers []string   `json:"producers"` // linear/conv/bn layers whose outputs are the units
	Consumers []Consumer `json:"consumers"` // layers that read the units
	MaskAt    []string   `json:"mask_at"`   // layer outputs the masked network zeroes
	Tied      bool       `json:"tied"`
}

// Consumer reads a group's units as input columns (linear) or channels
// (conv); after a flatten, Repeat columns belong to each channel.
type Consumer struct {
	Path   string `json:"path"`
	Repeat int64  `json:"repeat"`
}

// Groups derives the prunable unit groups of an architecture: every unit
// group that some later layer consumes. The network's outputs are not prunable.
func Groups(a Arch) []*Group {
	shapes := map[string][2]Shape{}
	Walk(a, func(path string, _ Layer, in, out Shape) { shapes[path] = [2]Shape{in, out} })
	g := &grouper{shapes: shapes}
	g.walk(a.Layers, "", nil)
	var out []*Group
	for _, x := range g.all {
		if !x.merged && len(x.Consumers) > 0 {
			out = append(out, &x.Group)
		}
	}
	return out
}

type gstate struct {
	Group
	merged bool
}

type grouper struct {
	shapes map[string][2]Shape
	all    []*gstate
	repeat int64
}

// walk threads the group whose units the current activation carries.
func (g *grouper) walk(ls []Layer, prefix string, open *gstate) *gstate {
	for i, l := range ls {
		path := prefix + strconv.Itoa(i)
		switch l.Kind {
		case KLinear, KConv:
			if open != nil {
				r := g.repeat
				if r == 0 {
					r = 1
				}
				open.Consumers = append(open.Consumers, Consumer{path, r})
			}
			g.repeat = 0
			open = &gstate{Group: Group{Name: path, Size: l.Out, Conv: l.Kind == KConv,
				Producers: []string{path}, MaskAt: []string{path}}}
			g.all = append(g.all, open)
		case KBN:
			if open != nil {
				open.Producers = append(open.Producers, path)
				// Mask after batch-norm: its shift would revive a zeroed channel.
				open.MaskAt[len(open.MaskAt)-1] = path
			}
		case KFlatten:
			in := g.shapes[path][0]
			g.repeat = in[1] * in[2]
		case KSelect:
			// The kept input features are units like neurons: the next
			// linear layer reads them, the select layer "produces" them.
			g.repeat = 0
			open = &gstate{Group: Group{Name: path, Size: l.Out, Producers: []string{path}, MaskAt: []string{path}}}
			g.all = append(g.all, open)
		case KBlock:
			body := g.walk(l.Body, path+".body.", open)
			short := open
			if len(l.Short) > 0 {
				short = g.walk(l.Short, path+".shortcut.", open)
			}
			open = tie(short, body)
		}
	}
	return open
}

// tie merges b into a (channels added element-wise) and returns a.
func tie(a, b *gstate) *gstate {
	if a == nil || a == b {
		return b
	}
	if b == nil {
		return a
	}
	a.Producers = append(a.Producers, b.Producers...)
	a.Consumers = append(a.Consumers, b.Consumers...)
	a.MaskAt = append(a.MaskAt, b.MaskAt...)
	a.Tied = true
	b.merged = true
	return a
}

// IsBN says whether the layer at a path like "3.body.1" is a batch norm.
func (n *Net) IsBN(path string) bool {
	l, err := layerAt(&n.Arch, path)
	return err == nil && l.Kind == KBN
}

// layerAt returns a pointer to the layer at a path like "3.body.1".
func layerAt(a *Arch, path string) (*Layer, error) {
	parts := strings.Split(path, ".")
	ls := a.Layers
	var cur *Layer
	for i := 0; i < len(parts); i++ {
		if i > 0 {
			switch parts[i] {
			case "body":
				ls = cur.Body
			case "shortcut":
				ls = cur.Short
			default:
				return nil, fmt.Errorf("bad layer path %q", path)
			}
			i++
			if i >= len(parts) {
				return nil, fmt.Errorf("bad layer path %q", path)
			}
		}
		k, err := strconv.Atoi(parts[i])
		if err != nil || k < 0 || k >= len(ls) {
			return nil, fmt.Errorf("bad layer path %q", path)
		}
		cur = &ls[k]
	}
	if cur == nil {
		return nil, fmt.Errorf("bad layer path %q", path)
	}
	return cur, nil
}
