var Ce,A,ht,Cn,te,ft,bt,vt,Fe,ye,me,St,$e,Le,Ne,xn,ve={},Se=[],wn=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,xe=Array.isArray;function z(e,t){for(var n in t)e[n]=t[n];return e}function Ve(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function Un(e,t,n){var o,i,s,l={};for(s in t)s=="key"?o=t[s]:s=="ref"?i=t[s]:l[s]=t[s];if(arguments.length>2&&(l.children=arguments.length>3?Ce.call(arguments,2):n),typeof e=="function"&&e.defaultProps!=null)for(s in e.defaultProps)l[s]===void 0&&(l[s]=e.defaultProps[s]);return he(e,l,o,i,null)}function he(e,t,n,o,i){var s={type:e,props:t,key:n,ref:o,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:i??++ht,__i:-1,__u:0};return i==null&&A.vnode!=null&&A.vnode(s),s}function B(e){return e.children}function be(e,t){this.props=e,this.context=t}function ne(e,t){if(t==null)return e.__?ne(e.__,e.__i+1):null;for(var n;t<e.__k.length;t++)if((n=e.__k[t])!=null&&n.__e!=null)return n.__e;return typeof e.type=="function"?ne(e):null}function Tn(e){if(e.__P&&e.__d){var t=e.__v,n=t.__e,o=[],i=[],s=z({},t);s.__v=t.__v+1,A.vnode&&A.vnode(s),Be(e.__P,s,t,e.__n,e.__P.namespaceURI,32&t.__u?[n]:null,o,n??ne(t),!!(32&t.__u),i),s.__v=t.__v,s.__.__k[s.__i]=s,Ut(o,s,i),t.__e=t.__=null,s.__e!=n&&Et(s)}}function Et(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),Et(e)}function gt(e){(!e.__d&&(e.__d=!0)&&te.push(e)&&!Ee.__r++||ft!=A.debounceRendering)&&((ft=A.debounceRendering)||bt)(Ee)}function Ee(){try{for(var e,t=1;te.length;)te.length>t&&te.sort(vt),e=te.shift(),t=te.length,Tn(e)}finally{te.length=Ee.__r=0}}function Ct(e,t,n,o,i,s,l,c,p,d,m){var u,a,f,g,b,h,v=o&&o.__k||Se,_=t.length;for(p=An(n,t,v,p,_),u=0;u<_;u++)(f=n.__k[u])!=null&&(a=f.__i!=-1&&v[f.__i]||ve,f.__i=u,h=Be(e,f,a,i,s,l,c,p,d,m),g=f.__e,f.ref&&a.ref!=f.ref&&(a.ref&&qe(a.ref,null,f),m.push(f.ref,f.__c||g,f)),b==null&&g!=null&&(b=g),4&f.__u?(p=xt(f,p,e),a.__e&&(a.__e=null)):typeof f.type=="function"&&h!==void 0?p=h:g&&(p=g.nextSibling),f.__u&=-7);return n.__e=b,p}function An(e,t,n,o,i){var s,l,c,p,d,m=n.length,u=m,a=0;for(e.__k=new Array(i),s=0;s<i;s++)(l=t[s])!=null&&typeof l!="boolean"&&typeof l!="function"?(typeof l=="string"||typeof l=="number"||typeof l=="bigint"||l.constructor==String?l=e.__k[s]=he(null,l,null,null,null):xe(l)?l=e.__k[s]=he(B,{children:l},null,null,null):l.constructor===void 0&&l.__b>0?l=e.__k[s]=he(l.type,l.props,l.key,l.ref?l.ref:null,l.__v):e.__k[s]=l,p=s+a,l.__=e,l.__b=e.__b+1,c=null,(d=l.__i=Rn(l,n,p,u))!=-1&&(u--,(c=n[d])&&(c.__u|=2)),c==null||c.__v==null?(d==-1&&(i>m?a--:i<m&&a++),typeof l.type!="function"&&(l.__u|=4)):d!=p&&(d==p-1?a--:d==p+1?a++:(d>p?a--:a++,l.__u|=4))):e.__k[s]=null;if(u)for(s=0;s<m;s++)(c=n[s])!=null&&(2&c.__u)==0&&(c.__e==o&&(o=ne(c)),At(c,c));return o}function xt(e,t,n){var o,i;if(typeof e.type=="function"){for(o=e.__k,i=0;o&&i<o.length;i++)o[i]&&(o[i].__=e,t=xt(o[i],t,n));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=ne(e)),t=n.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Rn(e,t,n,o){var i,s,l,c=e.key,p=e.type,d=t[n],m=d!=null&&(2&d.__u)==0;if(d===null&&c==null||m&&c==d.key&&p==d.type)return n;if(o>(m?1:0)){for(i=n-1,s=n+1;i>=0||s<t.length;)if((d=t[l=i>=0?i--:s++])!=null&&(2&d.__u)==0&&c==d.key&&p==d.type)return l}return-1}function _t(e,t,n){t[0]=="-"?e.setProperty(t,n??""):e[t]=n==null?"":typeof n!="number"||wn.test(t)?n:n+"px"}function _e(e,t,n,o,i){var s,l;e:if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof o=="string"&&(e.style.cssText=o=""),o)for(t in o)n&&t in n||_t(e.style,t,"");if(n)for(t in n)o&&n[t]==o[t]||_t(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")s=t!=(t=t.replace(St,"$1")),l=t.toLowerCase(),t=l in e||t=="onFocusOut"||t=="onFocusIn"?l.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+s]=n,n?o?n[me]=o[me]:(n[me]=$e,e.addEventListener(t,s?Ne:Le,s)):e.removeEventListener(t,s?Ne:Le,s);else{if(i=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=n??"";break e}catch{}typeof n=="function"||(n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n))}}function yt(e){return function(t){if(this.l){var n=this.l[t.type+e];if(t[ye]==null)t[ye]=$e++;else if(t[ye]<n[me])return;return n(A.event?A.event(t):t)}}}function Be(e,t,n,o,i,s,l,c,p,d){var m,u,a,f,g,b,h,v,_,E,w,k,K,U,R,x,C=t.type;if(t.constructor!==void 0)return null;128&n.__u&&(p=!!(32&n.__u),s=[c=t.__e=n.__e]),(m=A.__b)&&m(t);e:if(typeof C=="function"){u=l.length;try{if(_=t.props,E=C.prototype&&C.prototype.render,w=(m=C.contextType)&&o[m.__c],k=m?w?w.props.value:m.__:o,n.__c?v=(a=t.__c=n.__c).__=a.__E:(E?t.__c=a=new C(_,k):(t.__c=a=new be(_,k),a.constructor=C,a.render=Gn),w&&w.sub(a),a.state||(a.state={}),a.__n=o,f=a.__d=!0,a.__h=[],a._sb=[]),E&&a.__s==null&&(a.__s=a.state),E&&C.getDerivedStateFromProps!=null&&(a.__s==a.state&&(a.__s=z({},a.__s)),z(a.__s,C.getDerivedStateFromProps(_,a.__s))),g=a.props,b=a.state,a.__v=t,f)E&&C.getDerivedStateFromProps==null&&a.componentWillMount!=null&&a.componentWillMount(),E&&a.componentDidMount!=null&&a.__h.push(a.componentDidMount);else{if(E&&C.getDerivedStateFromProps==null&&_!==g&&a.componentWillReceiveProps!=null&&a.componentWillReceiveProps(_,k),t.__v==n.__v||!a.__e&&a.shouldComponentUpdate!=null&&a.shouldComponentUpdate(_,a.__s,k)===!1){t.__v!=n.__v&&(a.props=_,a.state=a.__s,a.__d=!1),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(D){D&&(D.__=t)}),Se.push.apply(a.__h,a._sb),a._sb=[],a.__h.length&&l.push(a),c=ne(n);break e}a.componentWillUpdate!=null&&a.componentWillUpdate(_,a.__s,k),E&&a.componentDidUpdate!=null&&a.__h.push(function(){a.componentDidUpdate(g,b,h)})}if(a.context=k,a.props=_,a.__P=e,a.__e=!1,K=A.__r,U=0,E)a.state=a.__s,a.__d=!1,K&&K(t),m=a.render(a.props,a.state,a.context),Se.push.apply(a.__h,a._sb),a._sb=[];else do a.__d=!1,K&&K(t),m=a.render(a.props,a.state,a.context),a.state=a.__s;while(a.__d&&++U<25);a.state=a.__s,a.getChildContext!=null&&(o=z(z({},o),a.getChildContext())),E&&!f&&a.getSnapshotBeforeUpdate!=null&&(h=a.getSnapshotBeforeUpdate(g,b)),R=m!=null&&m.type===B&&m.key==null?Tt(m.props.children):m,c=Ct(e,xe(R)?R:[R],t,n,o,i,s,l,c,p,d),a.base=t.__e,t.__u&=-161,a.__h.length&&l.push(a),v&&(a.__E=a.__=null)}catch(D){if(l.length=u,t.__v=null,p||s!=null){if(D.then){for(t.__u|=p?160:128;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;s!=null&&(s[s.indexOf(c)]=null),t.__e=c}else if(s!=null)for(x=s.length;x--;)Ve(s[x])}else t.__e=n.__e;t.__k==null&&(t.__k=n.__k||[]),D.then||wt(t),A.__e(D,t,n)}}else s==null&&t.__v==n.__v?(t.__k=n.__k,t.__e=n.__e):c=t.__e=Dn(n.__e,t,n,o,i,s,l,p,d);return(m=A.diffed)&&m(t),128&t.__u?void 0:c}function wt(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(wt))}function Ut(e,t,n){for(var o=0;o<n.length;o++)qe(n[o],n[++o],n[++o]);A.__c&&A.__c(t,e),e.some(function(i){try{e=i.__h,i.__h=[],e.some(function(s){s.call(i)})}catch(s){A.__e(s,i.__v)}})}function Tt(e){return typeof e!="object"||e==null||e.__b>0?e:xe(e)?e.map(Tt):e.constructor!==void 0?null:z({},e)}function Dn(e,t,n,o,i,s,l,c,p){var d,m,u,a,f,g,b,h=n.props||ve,v=t.props,_=t.type;if(_=="svg"?i="http://www.w3.org/2000/svg":_=="math"?i="http://www.w3.org/1998/Math/MathML":i||(i="http://www.w3.org/1999/xhtml"),s!=null){for(d=0;d<s.length;d++)if((f=s[d])&&"setAttribute"in f==!!_&&(_?f.localName==_:f.nodeType==3)){e=f,s[d]=null;break}}if(e==null){if(_==null)return document.createTextNode(v);e=document.createElementNS(i,_,v.is&&v),c&&(A.__m&&A.__m(t,s),c=!1),s=null}if(_==null)h===v||c&&e.data==v||(e.data=v);else{if(s=_=="textarea"&&v.defaultValue!=null?null:s&&Ce.call(e.childNodes),!c&&s!=null)for(h={},d=0;d<e.attributes.length;d++)h[(f=e.attributes[d]).name]=f.value;for(d in h)f=h[d],d=="dangerouslySetInnerHTML"?u=f:d=="children"||d in v||d=="value"&&"defaultValue"in v||d=="checked"&&"defaultChecked"in v||_e(e,d,null,f,i);for(d in v)f=v[d],d=="children"?a=f:d=="dangerouslySetInnerHTML"?m=f:d=="value"?g=f:d=="checked"?b=f:c&&typeof f!="function"||h[d]===f||_e(e,d,f,h[d],i);if(m)c||u&&(m.__html==u.__html||m.__html==e.innerHTML)||(e.innerHTML=m.__html),t.__k=[];else if(u&&(e.innerHTML=""),Ct(t.type=="template"?e.content:e,xe(a)?a:[a],t,n,o,_=="foreignObject"?"http://www.w3.org/1999/xhtml":i,s,l,s?s[0]:n.__k&&ne(n,0),c,p),s!=null)for(d=s.length;d--;)Ve(s[d]);c&&_!="textarea"||(d="value",_=="progress"&&g==null?e.removeAttribute("value"):g!=null&&(g!==e[d]||_=="progress"&&!g||_=="option"&&g!=h[d])&&_e(e,d,g,h[d],i),d="checked",b!=null&&b!=e[d]&&_e(e,d,b,h[d],i))}return e}function qe(e,t,n){try{if(typeof e=="function"){var o=typeof e.__u=="function";o&&e.__u(),o&&t==null||(e.__u=e(t))}else e.current=t}catch(i){A.__e(i,n)}}function At(e,t,n){var o,i;if(A.unmount&&A.unmount(e),(o=e.ref)&&(o.current&&o.current!=e.__e||qe(o,null,t)),(o=e.__c)!=null){if(o.componentWillUnmount)try{o.componentWillUnmount()}catch(s){A.__e(s,t)}o.base=o.__P=o.__n=null}if(o=e.__k)for(i=0;i<o.length;i++)o[i]&&At(o[i],t,n||typeof e.type!="function");n||Ve(e.__e),e.__c=e.__=e.__e=void 0}function Gn(e,t,n){return this.constructor(e,n)}function Rt(e,t,n){var o,i,s,l;t==document&&(t=document.documentElement),A.__&&A.__(e,t),i=(o=typeof n=="function")?null:n&&n.__k||t.__k,s=[],l=[],Be(t,e=(!o&&n||t).__k=Un(B,null,[e]),i||ve,ve,t.namespaceURI,!o&&n?[n]:i?null:t.firstChild?Ce.call(t.childNodes):null,s,!o&&n?n:i?i.__e:t.firstChild,o,l),Ut(s,e,l),e.props.children=null}Ce=Se.slice,A={__e:function(e,t,n,o){for(var i,s,l;t=t.__;)if((i=t.__c)&&!i.__)try{if((s=i.constructor)&&s.getDerivedStateFromError!=null&&(i.setState(s.getDerivedStateFromError(e)),l=i.__d),i.componentDidCatch!=null&&(i.componentDidCatch(e,o||{}),l=i.__d),l)return i.__E=i}catch(c){e=c}throw e}},ht=0,Cn=function(e){return e!=null&&e.constructor===void 0},be.prototype.setState=function(e,t){var n;n=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=z({},this.state),typeof e=="function"&&(e=e(z({},n),this.props)),e&&z(n,e),e!=null&&this.__v&&(t&&this._sb.push(t),gt(this))},be.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),gt(this))},be.prototype.render=B,te=[],bt=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,vt=function(e,t){return e.__v.__b-t.__v.__b},Ee.__r=0,Fe=Math.random().toString(8),ye="__d"+Fe,me="__a"+Fe,St=/(PointerCapture)$|Capture$/i,$e=0,Le=yt(!1),Ne=yt(!0),xn=0;var pe,L,Oe,Dt,Ue=0,Nt=[],N=A,Gt=N.__b,It=N.__r,kt=N.diffed,Mt=N.__c,Pt=N.unmount,Ft=N.__;function Ke(e,t){N.__h&&N.__h(L,e,Ue||t),Ue=0;var n=L.__H||(L.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function S(e){return Ue=1,In(Vt,e)}function In(e,t,n){var o=Ke(pe++,2);if(o.t=e,!o.__c&&(o.__=[n?n(t):Vt(void 0,t),function(c){var p=o.__N?o.__N[0]:o.__[0],d=o.t(p,c);p!==d&&(o.__N=[d,o.__[1]],o.__c.setState({}))}],o.__c=L,!L.__f)){var i=function(c,p,d){if(!o.__c.__H)return!0;var m=!1,u=o.__c.props!==c;if(o.__c.__H.__.some(function(f){if(f.__N){m=!0;var g=f.__[0];f.__=f.__N,f.__N=void 0,g!==f.__[0]&&(u=!0)}}),s){var a=s.call(this,c,p,d);return m?a||u:a}return!m||u};L.__f=!0;var s=L.shouldComponentUpdate,l=L.componentWillUpdate;L.componentWillUpdate=function(c,p,d){if(this.__e){var m=s;s=void 0,i(c,p,d),s=m}l&&l.call(this,c,p,d)},L.shouldComponentUpdate=i}return o.__N||o.__}function P(e,t){var n=Ke(pe++,3);!N.__s&&$t(n.__H,t)&&(n.__=e,n.u=t,L.__H.__h.push(n))}function re(e){return Ue=5,kn(function(){return{current:e}},[])}function kn(e,t){var n=Ke(pe++,7);return $t(n.__H,t)&&(n.__=e(),n.__H=t,n.__h=e),n.__}function Mn(){for(var e;e=Nt.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(we),t.__h.some(He),t.__h=[]}catch(n){t.__h=[],N.__e(n,e.__v)}}}N.__b=function(e){L=null,Gt&&Gt(e)},N.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),Ft&&Ft(e,t)},N.__r=function(e){It&&It(e),pe=0;var t=(L=e.__c).__H;t&&(Oe===L?(t.__h=[],L.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})):(t.__h.some(we),t.__h.some(He),t.__h=[],pe=0)),Oe=L},N.diffed=function(e){kt&&kt(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(Nt.push(t)!==1&&Dt===N.requestAnimationFrame||((Dt=N.requestAnimationFrame)||Pn)(Mn)),t.__H.__.some(function(n){n.u&&(n.__H=n.u,n.u=void 0)})),Oe=L=null},N.__c=function(e,t){t.some(function(n){try{n.__h.some(we),n.__h=n.__h.filter(function(o){return!o.__||He(o)})}catch(o){t.some(function(i){i.__h&&(i.__h=[])}),t=[],N.__e(o,n.__v)}}),Mt&&Mt(e,t)},N.unmount=function(e){Pt&&Pt(e);var t,n=e.__c;n&&n.__H&&(n.__H.__.some(function(o){try{we(o)}catch(i){t=i}}),n.__H=void 0,t&&N.__e(t,n.__v))};var Lt=typeof requestAnimationFrame=="function";function Pn(e){var t,n=function(){clearTimeout(o),Lt&&cancelAnimationFrame(t),setTimeout(e)},o=setTimeout(n,35);Lt&&(t=requestAnimationFrame(n))}function we(e){var t=L,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),L=t}function He(e){var t=L;e.__c=e.__(),L=t}function $t(e,t){return!e||e.length!==t.length||t.some(function(n,o){return n!==e[o]})}function Vt(e,t){return typeof t=="function"?t(e):t}function Bt(e){return typeof e=="object"&&e!==null}var qt="x-graphql-event-stream-token";function Ot(e){if(e=e,e!=="next"&&e!=="complete")throw new Error(`Invalid stream event "${e}"`);return e}function Ht(e,t){if(t)try{t=JSON.parse(t)}catch{throw new Error("Invalid stream data")}if(e==="next"&&!t)throw new Error('Stream data must be an object for "next" events');return t||null}var oe;(function(e){e[e.NewLine=10]="NewLine",e[e.CarriageReturn=13]="CarriageReturn",e[e.Space=32]="Space",e[e.Colon=58]="Colon"})(oe||(oe={}));function Kt(){let e,t,n,o=!1,i={event:"",data:""},s=[],l=new TextDecoder;return function(p){if(e===void 0)e=p,t=0,n=-1;else{let u=new Uint8Array(e.length+p.length);u.set(e),u.set(p,e.length),e=u}let d=e.length,m=0;for(;t<d;){o&&(e[t]===oe.NewLine&&(m=++t),o=!1);let u=-1;for(;t<d&&u===-1;++t)switch(e[t]){case oe.Colon:n===-1&&(n=t-m);break;case oe.CarriageReturn:o=!0;case oe.NewLine:u=t;break}if(u===-1)break;if(m===u){if(i.event||i.data){if(!i.event)throw new Error("Missing message event");let a=Ot(i.event),f=Ht(a,i.data);s.push({event:a,data:f}),i={event:"",data:""}}}else if(n>0){let a=e.subarray(m,u),f=l.decode(a.subarray(0,n)),g=n+(a[n+1]===oe.Space?2:1),b=l.decode(a.subarray(g));switch(f){case"event":i.event=b;break;case"data":i.data=i.data?i.data+`
`+b:b;break}}m=t,n=-1}if(m===d){e=void 0;let u=[...s];return s=[],u}else m!==0&&(e=e.subarray(m),t-=m)}}function jt(e){let{singleConnection:t=!1,lazy:n=!0,lazyCloseTimeout:o=0,onNonLazyError:i=console.error,generateID:s=function(){return"xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g,R=>{let x=Math.random()*16|0;return(R=="x"?x:x&3|8).toString(16)})},retryAttempts:l=5,retry:c=async function(R){let x=1e3;for(let C=0;C<R;C++)x*=2;await new Promise(C=>setTimeout(C,x+Math.floor(Math.random()*2700+300)))},credentials:p="same-origin",referrer:d,referrerPolicy:m,onMessage:u,on:a}=e,f=e.fetchFn||fetch,g=e.abortControllerImpl||AbortController,b=(()=>{let U=!1,R=[];return{get disposed(){return U},onDispose(x){return U?(setTimeout(()=>x(),0),()=>{}):(R.push(x),()=>{R.splice(R.indexOf(x),1)})},dispose(){if(!U){U=!0;for(let x of[...R])x()}}}})(),h,v,_=0,E=null,w=0;async function k(){try{if(b.disposed)throw new Error("Client has been disposed");return await(v??(v=(async()=>{var U,R,x;if(E){if(await c(w),h.signal.aborted)throw new Error("Connection aborted by the client");w++}(U=a?.connecting)===null||U===void 0||U.call(a,!!E),h=new g;let C=b.onDispose(()=>h.abort());h.signal.addEventListener("abort",()=>{C(),v=void 0});let D=e,T=typeof D.url=="function"?await D.url(void 0):D.url;if(h.signal.aborted)throw new Error("Connection aborted by the client");let F=typeof D.headers=="function"?await D.headers(void 0):(R=D.headers)!==null&&R!==void 0?R:{};if(h.signal.aborted)throw new Error("Connection aborted by the client");let M;try{M=await f(T,{signal:h.signal,method:"PUT",credentials:p,referrer:d,referrerPolicy:m,headers:F})}catch(V){throw new H(V)}if(M.status!==201)throw new H(M);let y=await M.text();F[qt]=y;let G=await Qt({signal:h.signal,headers:F,credentials:p,referrer:d,referrerPolicy:m,url:T,fetchFn:f,onMessage:V=>{var O;(O=a?.message)===null||O===void 0||O.call(a,V),u?.(V)}});return(x=a?.connected)===null||x===void 0||x.call(a,!!E),G.waitForThrow().catch(()=>v=void 0),G})()))}catch(U){throw v=void 0,U}}t&&!n&&(async()=>{for(_++;;)try{let{waitForThrow:U}=await k();await U()}catch(U){if(b.disposed)return;if(!(U instanceof H)||(v=void 0,!l||w>=l))return i?.(U);E=U}})();function K(U,R,x){if(!t){let T=new g,F=b.onDispose(()=>{F(),T.abort()});return(async()=>{var M,y,G,V,O;let Q=null,ie=0;for(;;)try{if(Q){if(await c(ie),T.signal.aborted)throw new Error("Connection aborted by the client");ie++}(M=a?.connecting)===null||M===void 0||M.call(a,!!Q),(y=x?.connecting)===null||y===void 0||y.call(x,!!Q);let j=e,vn=typeof j.url=="function"?await j.url(U):j.url;if(T.signal.aborted)throw new Error("Connection aborted by the client");let Sn=typeof j.headers=="function"?await j.headers(U):(G=j.headers)!==null&&G!==void 0?G:{};if(T.signal.aborted)throw new Error("Connection aborted by the client");let{getResults:En}=await Qt({signal:T.signal,headers:{...Sn,"content-type":"application/json; charset=utf-8"},credentials:p,referrer:d,referrerPolicy:m,url:vn,body:JSON.stringify(U),fetchFn:f,onMessage:ce=>{var Me,Pe;(Me=a?.message)===null||Me===void 0||Me.call(a,ce),(Pe=x?.message)===null||Pe===void 0||Pe.call(x,ce),u?.(ce)}});(V=a?.connected)===null||V===void 0||V.call(a,!!Q),(O=x?.connected)===null||O===void 0||O.call(x,!!Q);for await(let ce of En())Q=null,ie=0,R.next(ce);return T.abort()}catch(j){if(T.signal.aborted)return;if(!(j instanceof H)||!l||ie>=l)throw j;Q=j}})().then(()=>R.complete()).catch(M=>R.error(M)),()=>T.abort()}_++;let C=new g,D=b.onDispose(()=>{D(),C.abort()});return(async()=>{let T=s();U={...U,extensions:{...U.extensions,operationId:T}};let F=null;for(;;){F=null;try{let{url:M,headers:y,getResults:G}=await k(),V;try{V=await f(M,{signal:C.signal,method:"POST",credentials:p,referrer:d,referrerPolicy:m,headers:{...y,"content-type":"application/json; charset=utf-8"},body:JSON.stringify(U)})}catch(O){throw new H(O)}if(V.status!==202)throw new H(V);F=async()=>{let O;try{let Q=new g,ie=b.onDispose(()=>{ie(),Q.abort()});O=await f(M+"?operationId="+T,{signal:Q.signal,method:"DELETE",credentials:p,referrer:d,referrerPolicy:m,headers:y})}catch(Q){throw new H(Q)}if(O.status!==200)throw new H(O)};for await(let O of G({signal:C.signal,operationId:T}))E=null,w=0,R.next(O);return F=null,C.abort()}catch(M){if(C.signal.aborted)return await F?.();if(!(M instanceof H)||(n&&(v=void 0),!l||w>=l))throw C.abort(),M;E=M}finally{C.signal.aborted&&--_===0&&(isFinite(o)&&o>0?setTimeout(()=>{_||h.abort()},o):h.abort())}}})().then(()=>R.complete()).catch(T=>R.error(T)),()=>C.abort()}return{subscribe:K,iterate(U,R){let x=[],C={done:!1,error:null,resolve:()=>{}},D=K(U,{next(F){x.push(F),C.resolve()},error(F){C.done=!0,C.error=F,C.resolve()},complete(){C.done=!0,C.resolve()}},R),T=(async function*(){for(;;){for(x.length||await new Promise(M=>C.resolve=M);x.length;)yield x.shift();if(C.error)throw C.error;if(C.done)return}})();return T.throw=async F=>(C.done||(C.done=!0,C.error=F,C.resolve()),{done:!0,value:void 0}),T.return=async()=>(D(),{done:!0,value:void 0}),T},dispose(){b.dispose()}}}var H=class extends Error{constructor(t){let n,o;Fn(t)?(o=t,n="Server responded with "+t.status+": "+t.statusText):t instanceof Error?n=t.message:n=String(t),super(n),this.name=this.constructor.name,this.response=o}};function Fn(e){return Bt(e)&&typeof e.ok=="boolean"&&typeof e.status=="number"&&typeof e.statusText=="string"}async function Qt(e){let{signal:t,url:n,credentials:o,headers:i,body:s,referrer:l,referrerPolicy:c,fetchFn:p,onMessage:d}=e,m={},u={},a;try{a=await p(n,{signal:t,method:s?"POST":"GET",credentials:o,referrer:l,referrerPolicy:c,headers:{...i,accept:"text/event-stream"},body:s})}catch(b){throw new H(b)}if(!a.ok)throw new H(a);if(!a.body)throw new Error("Missing response body");let f=null,g;return(async()=>{var b;try{let h=Kt();for await(let v of Ln(a.body)){if(typeof v=="string")throw f=new Error(`Unexpected string chunk "${v}"`);let _;try{_=h(v)}catch(E){throw f=E}if(_)for(let E of _){try{d?.(E)}catch(k){throw f=k}let w=E.data&&"id"in E.data?E.data.id:"";switch(w in u||(u[w]=[]),E.event){case"next":w?u[w].push(E.data.payload):u[w].push(E.data);break;case"complete":u[w].push("complete");break;default:throw f=new Error(`Unexpected message event "${E.event}"`)}(b=m[w])===null||b===void 0||b.proceed()}}if(Object.keys(m).length)throw new Error("Connection closed while having active streams")}catch(h){!f&&Object.keys(m).length?f=new H(h):f=h,g?.(f)}finally{Object.values(m).forEach(({proceed:h})=>h())}})(),{url:n,headers:i,waitForThrow:()=>new Promise((b,h)=>{if(f)return h(f);g=h}),async*getResults(b){var h;let{signal:v,operationId:_=""}=b??{};try{for(;;){for(;!((h=u[_])===null||h===void 0)&&h.length;){let E=u[_].shift();if(E==="complete")return;yield E}if(f)throw f;if(v?.aborted)throw new Error("Getting results aborted by the client");await new Promise(E=>{let w=()=>{v?.removeEventListener("abort",w),delete m[_],E()};v?.addEventListener("abort",w),m[_]={proceed:w}})}}finally{delete u[_]}}}}function Ln(e){return typeof Object(e)[Symbol.asyncIterator]=="function"?(e=e,e):(async function*(){let t=e.getReader(),n;do n=await t.read(),n.value!==void 0&&(yield n.value);while(!n.done)})()}var je="/graphql",Qe="seedance-studio:api-key";function We(){try{return sessionStorage.getItem(Qe)??""}catch{return""}}function Wt(e){e?sessionStorage.setItem(Qe,e):sessionStorage.removeItem(Qe),Te?.dispose(),Te=null}function Yt(){let e=We();return e?{authorization:`Bearer ${e}`}:{}}var Z=class extends Error{constructor(n,o,i){super(n);this.code=o;this.status=i}code;status};function Jt(e,t){let n=e.errors?.[0];return new Z(n?.message??`The gateway answered HTTP ${t}`,n?.extensions?.code??null,t)}async function $(e,t){let n=await fetch(je,{method:"POST",headers:{"content-type":"application/json",accept:"application/graphql-response+json, application/json",...Yt()},body:JSON.stringify({query:e.toString(),variables:t})}),o;try{o=await n.json()}catch{throw new Z(`The gateway answered HTTP ${n.status} without JSON`,null,n.status)}if(!o.data)throw Jt(o,n.status);return o.data}var Te=null;function Nn(){return Te??=jt({url:new URL(je,location.href).toString(),headers:Yt,retryAttempts:0}),Te}function Ae(e,t,n){return Nn().subscribe({query:e.toString(),variables:t},{next:o=>{o.data?n.next(o.data):o.errors?.length&&n.error(Jt(o,200))},error:n.error,complete:n.complete},{connected:()=>n.connected?.()})}function W(e,t){let n=e.toString().trim(),o=new URL(je,location.href).toString(),i=JSON.stringify({query:n.replace(/\s+/g," "),variables:t}),s=/^\s*subscription\b/.test(n)?" -N -H 'accept: text/event-stream'":"";return[`# POST ${o}   (header: Authorization: Bearer $KEY; none needed in sandbox mode)`,n,"","# Variables",JSON.stringify(t??{},null,2),"","# The same with curl",`curl ${o}${s} -H 'content-type: application/json' -H "authorization: Bearer $KEY" \\`,`  -d '${i.replace(/'/g,"'\\''")}'`,""].join(`
`)}function I(e){return e==null?"\u2013":`$${e.toFixed(e!==0&&Math.abs(e)<1?3:2)}`}function Ye(e){return e==null?"\u2013":e<1e4?`${(e/1e3).toFixed(1)} s`:`${Math.round(e/1e3)} s`}function Xt(e,t=Date.now()){if(!e)return null;let n=Date.parse(e)-t;return Number.isFinite(n)?n<=1e3?"any moment now":`about ${Ye(n)} left`:null}function ae(e){if(!e)return"\u2013";let t=new Date(e);return Number.isNaN(t.getTime())?e:t.toLocaleString()}var le={QUEUED:"Queued",SUBMITTING:"Submitting",SUBMITTED:"Submitted",RUNNING:"Running",STORING:"Storing",SUCCEEDED:"Succeeded",FAILED:"Failed",CANCELED:"Canceled",EXPIRED:"Expired"},zt={SD_480P:"480p",HD_720P:"720p"};var q=class extends String{__apiType;value;__meta__;constructor(t,n){super(t),this.value=t,this.__meta__=n}toString(){return this.value}},cr=new q(`
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}
    `,{fragmentName:"GenerationCard"}),mr=new q(`
    fragment BudgetFields on Budget {
  dailyLimitUsd
  monthlyLimitUsd
  spentTodayUsd
  spentThisMonthUsd
  heldUsd
  remainingTodayUsd
  remainingThisMonthUsd
  maxConcurrent
  activeGenerations
  requestsPerMinute
  requestsInLastMinute
  dayResetsAt
  monthResetsAt
}
    `,{fragmentName:"BudgetFields"}),pr=new q(`
    fragment EventFields on GenerationEvent {
  sequence
  type
  at
  fromStatus
  toStatus
  method
  path
  httpStatus
  durationMs
  attempt
  errorCode
  message
}
    `,{fragmentName:"EventFields"}),Re=new q(`
    query StudioSession {
  credits {
    upstream
    freshness
    balance {
      credits
      freeCredits
      readAt
    }
    upstreamError {
      code
      message
    }
    spentUsd
    billedGenerations
    lastRemainingCredits
    team {
      id
      name
      budget {
        ...BudgetFields
      }
    }
    keyBudget {
      ...BudgetFields
    }
  }
}
    fragment BudgetFields on Budget {
  dailyLimitUsd
  monthlyLimitUsd
  spentTodayUsd
  spentThisMonthUsd
  heldUsd
  remainingTodayUsd
  remainingThisMonthUsd
  maxConcurrent
  activeGenerations
  requestsPerMinute
  requestsInLastMinute
  dayResetsAt
  monthResetsAt
}`),Zt=new q(`
    query StudioLedger($first: Int!) {
  credits {
    ledger(first: $first) {
      totalCount
      edges {
        node {
          id
          kind
          amountUsd
          basis
          at
          generation {
            id
            prompt
            seed
          }
        }
      }
    }
  }
}
    `),en=new q(`
    query StudioEstimate($duration: Int!, $resolution: Resolution!) {
  estimateCost(duration: $duration, resolution: $resolution) {
    __typename
    ... on CostEstimate {
      estimateUsd
    }
    ... on InvalidInputError {
      fields {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `),Je=new q(`
    mutation StudioGenerate($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on GenerateVideoPayload {
      replayed
      generation {
        ...GenerationCard
        events {
          sequence
        }
      }
    }
    ... on InvalidInputError {
      fields {
        field
        message
      }
    }
    ... on BudgetExceededError {
      limit
      scope
      limitValue
      used
      spentUsd
      heldUsd
      estimateUsd
      resetsAt
    }
    ... on IdempotencyConflictError {
      idempotencyKey
      existingGenerationId
    }
    ... on BusyError {
      retryAfterMs
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`),Xe=new q(`
    mutation StudioGenerateBatch($input: GenerateVideosInput!) {
  generateVideos(input: $input) {
    __typename
    ... on GenerateVideosPayload {
      replayed
      generations {
        ...GenerationCard
        events {
          sequence
        }
      }
    }
    ... on InvalidInputError {
      fields {
        field
        message
        itemIndex
      }
    }
    ... on BudgetExceededError {
      limit
      scope
      limitValue
      used
      spentUsd
      heldUsd
      estimateUsd
      requestedGenerations
      resetsAt
    }
    ... on IdempotencyConflictError {
      idempotencyKey
      existingGenerationId
    }
    ... on BusyError {
      retryAfterMs
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`),fe=new q(`
    mutation StudioRegenerate($id: ID!, $overrides: RegenerateOverrides) {
  regenerateVideo(id: $id, overrides: $overrides) {
    __typename
    ... on RegenerateVideoPayload {
      replayed
      generation {
        ...GenerationCard
        events {
          sequence
        }
      }
    }
    ... on InvalidInputError {
      fields {
        field
        message
      }
    }
    ... on BudgetExceededError {
      limit
      scope
      limitValue
      used
      spentUsd
      heldUsd
      estimateUsd
      resetsAt
    }
    ... on BusyError {
      retryAfterMs
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`),tn=new q(`
    mutation StudioCancel($id: ID!) {
  cancelGeneration(id: $id) {
    __typename
    ... on CancelGenerationPayload {
      pending
      generation {
        ...GenerationCard
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`),ze=new q(`
    query StudioGallery($first: Int!, $after: String, $filter: GenerationFilter) {
  generations(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...GenerationCard
      }
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`),Ze=new q(`
    query StudioGeneration($id: ID!) {
  generation(id: $id) {
    ...GenerationCard
    upstream
    upstreamMode
    upstreamRequestId
    videoSha256
    videoBytes
    attempts
    deadline
    manifest {
      modelSlug
      upstream
      upstreamMode
      upstreamRequestBody
      requestedSeed
      seedSource
      seed
      upstreamSeed
      gatewayVersion
      imageUrl
      imageSha256
      imageBytes
      videoSha256
      videoBytes
      videoContentType
      createdAt
    }
    events {
      ...EventFields
    }
    derivations {
      id
      seed
      status
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}
fragment EventFields on GenerationEvent {
  sequence
  type
  at
  fromStatus
  toStatus
  method
  path
  httpStatus
  durationMs
  attempt
  errorCode
  message
}`),nn=new q(`
    query StudioRefresh($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Generation {
      ...GenerationCard
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`),rn=new q(`
    subscription StudioUpdates($after: Int) {
  generationsUpdated(after: $after) {
    kind
    sequence
    progress
    estimatedCompletionAt
    generation {
      ...GenerationCard
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`),on=new q(`
    subscription StudioTimeline($id: ID!, $after: Int) {
  generationUpdated(id: $id, after: $after) {
    kind
    sequence
    progress
    estimatedCompletionAt
    event {
      ...EventFields
    }
    generation {
      ...GenerationCard
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}
fragment EventFields on GenerationEvent {
  sequence
  type
  at
  fromStatus
  toStatus
  method
  path
  httpStatus
  durationMs
  attempt
  errorCode
  message
}`);var nt={credits:null,error:null,loading:!0},rt=new Set,et=!1,tt=!1;async function se(){if(et){tt=!0;return}et=!0;do{tt=!1;try{let{credits:e}=await $(Re,{});nt={credits:e,error:null,loading:!1}}catch(e){let t=e instanceof Z?e.code:null;nt={credits:null,error:{message:e instanceof Error?e.message:String(e),code:t},loading:!1}}}while(tt);et=!1;for(let e of rt)e()}function de(){let[,e]=S(0);return P(()=>{let t=()=>e(n=>n+1);return rt.add(t),()=>rt.delete(t)},[]),nt}var $n=new Set(["SUCCEEDED","FAILED","CANCELED","EXPIRED"]),Y=e=>$n.has(e),De=new Map,ot=new Map,st=new Set,it=null;function ge(e){it=Math.max(it??0,e)}function J(e,t){let n=De.get(e.id),o=Math.max(n?.progress??0,e.progress,t?.progress??0),i={...e,progress:e.status==="SUCCEEDED"?1:Y(e.status)?e.progress:o,estimatedCompletionAt:t?t.estimatedCompletionAt:e.estimatedCompletionAt,receivedAt:performance.now()};De.set(e.id,i);for(let s of ot.get(e.id)??[])s();if(Y(i.status)&&(!n||!Y(n.status)))for(let s of st)s(i)}function sn(e){let[,t]=S(0);return P(()=>{let n=()=>t(i=>i+1),o=ot.get(e);return o||ot.set(e,o=new Set),o.add(n),()=>o.delete(n)},[e]),De.get(e)}function an(e){return st.add(e),()=>st.delete(e)}function ln(e){let t=!1,n=0,o=null,i,s=()=>{t||(e("reconnecting"),n+=1,i=setTimeout(l,Math.min(3e4,500*2**Math.min(n,6))))},l=()=>{t||(e(n===0?"connecting":"reconnecting"),o=Ae(rn,{after:it},{connected:()=>{n=0,e("live"),Vn()},next:c=>{let p=c.generationsUpdated;ge(p.sequence),J(p.generation,p)},error:s,complete:s}))};return l(),()=>{t=!0,clearTimeout(i),o?.()}}async function Vn(){let e=[...De.values()].filter(t=>!Y(t.status)).map(t=>t.id);if(e.length!==0)try{let{nodes:t}=await $(nn,{ids:e});for(let n of t)n&&"id"in n&&J(n)}catch{}}var Bn=0;function r(e,t,n,o,i,s){t||(t={});var l,c,p=t;if("ref"in p)for(c in p={},t)c=="ref"?l=t[c]:p[c]=t[c];var d={type:e,props:p,key:n,ref:l,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:--Bn,__i:-1,__u:0,__source:i,__self:s};if(typeof e=="function"&&(l=e.defaultProps))for(c in l)p[c]===void 0&&(p[c]=l[c]);return A.vnode&&A.vnode(d),d}function ee({text:e,label:t="GraphQL of this request"}){let[n,o]=S(""),i=re(null);return r("details",{class:"snippet",children:[r("summary",{children:t}),r("button",{type:"button",class:"secondary",onClick:async()=>{try{await navigator.clipboard.writeText(e),o("Copied to the clipboard.")}catch{let l=getSelection();i.current&&l&&(l.selectAllChildren(i.current),o("Selected: press Ctrl+C (\u2318C) to copy."))}},children:"Copy snippet"}),r("span",{class:"hint",role:"status",children:n}),r("pre",{ref:i,tabIndex:0,"aria-label":t,children:e})]})}function Ge({status:e}){return r("span",{class:`badge status-${e.toLowerCase()}`,children:le[e]??e})}function dn({card:e}){let[t,n]=S(()=>performance.now()),o=re(0),i=!Y(e.status);P(()=>{if(!i)return;let d=setInterval(()=>n(performance.now()),500);return()=>clearInterval(d)},[i]);let s=e.progress;if(i&&e.estimatedCompletionAt){let d=t-e.receivedAt,m=Date.parse(e.estimatedCompletionAt)-(Date.now()-d),u=m>0?d/m:1;s=Math.min(.99,e.progress+(1-e.progress)*Math.min(.95,Math.max(0,u)))}s=Math.max(s,o.current),o.current=s;let l=Math.round(s*100),c=i?Xt(e.estimatedCompletionAt):null,p=`progress-${e.id}`;return r("div",{class:"progress",children:[r("label",{for:p,children:[r(Ge,{status:e.status})," ",r("span",{class:"percent",children:[l,"%"]}),e.queuePosition!=null&&r("span",{class:"queue",children:[" \xB7 #",e.queuePosition," in the queue"]}),c&&r("span",{class:"eta",children:[" \xB7 ",c]})]}),r("progress",{id:p,max:1,value:s,"aria-valuetext":`${l}%, ${le[e.status]??e.status}`})]})}function X({id:e,message:t}){return t?r("p",{id:e,class:"field-error",role:"alert",children:t}):null}function cn(){let e=de(),[t,n]=S(null),[o,i]=S("");P(()=>{se(),$(Zt,{first:20}).then(({credits:l})=>n(l.ledger)).catch(l=>i(l instanceof Error?l.message:String(l)))},[]);let s=e.credits;return r(B,{children:[r("section",{class:"panel","aria-labelledby":"balance-heading",children:[r("h2",{id:"balance-heading",children:"Segmind balance"}),e.error&&r("p",{class:"form-error",role:"alert",children:e.error.message}),s&&r("dl",{class:"facts wide",children:[r("div",{children:[r("dt",{children:"Upstream"}),r("dd",{children:s.upstream==="sandbox"?"sandbox (the built-in Segmind stand-in)":s.upstream})]}),r("div",{children:[r("dt",{children:"Credits"}),r("dd",{children:s.balance?`${I(s.balance.credits)} (+ ${I(s.balance.freeCredits)} free)`:"unknown"})]}),r("div",{children:[r("dt",{children:"Read"}),r("dd",{children:[s.freshness.toLowerCase(),s.balance&&`, ${ae(s.balance.readAt)}`,s.upstreamError&&` (${s.upstreamError.code}: ${s.upstreamError.message})`]})]}),r("div",{children:[r("dt",{children:"Spent through this gateway"}),r("dd",{children:[I(s.spentUsd)," on ",s.billedGenerations," videos"]})]})]})]}),r("section",{class:"panel","aria-labelledby":"budget-heading",children:[r("h2",{id:"budget-heading",children:"Budget and spending"}),s&&!s.team&&r("p",{children:"Anonymous requests have no team and no budget."}),s?.team&&r(un,{title:`Team ${s.team.name}`,budget:s.team.budget}),s?.keyBudget&&r(un,{title:"This key",budget:s.keyBudget}),r(ee,{text:W(Re,{}),label:"GraphQL of this page"})]}),r("section",{class:"panel","aria-labelledby":"ledger-heading",children:[r("h2",{id:"ledger-heading",children:"Ledger"}),o&&r("p",{class:"hint",children:o}),t&&t.totalCount===0&&r("p",{children:"No entries yet."}),t&&t.totalCount>0&&r("div",{class:"table-scroll",tabIndex:0,children:r("table",{children:[r("caption",{class:"visually-hidden",children:"Newest money movements first"}),r("thead",{children:r("tr",{children:[r("th",{scope:"col",children:"When"}),r("th",{scope:"col",children:"Kind"}),r("th",{scope:"col",children:"Amount"}),r("th",{scope:"col",children:"Basis"}),r("th",{scope:"col",children:"Generation"})]})}),r("tbody",{children:t.edges.map(({node:l})=>r("tr",{children:[r("td",{children:ae(l.at)}),r("td",{children:l.kind}),r("td",{children:I(l.amountUsd)}),r("td",{children:l.basis}),r("td",{children:l.generation?r("a",{href:`#/g/${encodeURIComponent(l.generation.id)}`,children:["seed ",l.generation.seed]}):"\u2013"})]},l.id))})]})})]})]})}function un({title:e,budget:t}){let n=[["Spent today",I(t.spentTodayUsd)],["Daily limit",t.dailyLimitUsd==null?"none":`${I(t.dailyLimitUsd)} (${I(t.remainingTodayUsd)} left)`],["Spent this month",I(t.spentThisMonthUsd)],["Monthly limit",t.monthlyLimitUsd==null?"none":`${I(t.monthlyLimitUsd)} (${I(t.remainingThisMonthUsd)} left)`],["Held for running videos",I(t.heldUsd)],["Running now",`${t.activeGenerations}${t.maxConcurrent==null?"":` of at most ${t.maxConcurrent}`}`],["Started in the last minute",`${t.requestsInLastMinute}${t.requestsPerMinute==null?"":` of at most ${t.requestsPerMinute}`}`],["Day resets",ae(t.dayResetsAt)]];return r(B,{children:[r("h3",{children:e}),r("dl",{class:"facts wide",children:n.map(([o,i])=>r("div",{children:[r("dt",{children:o}),r("dd",{children:i})]},o))})]})}var at=[],qn=1,lt=new Set,On=()=>{for(let e of lt)e()};function mn(){let[,e]=S(0);return P(()=>{let t=()=>e(n=>n+1);return lt.add(t),()=>lt.delete(t)},[]),at}function dt(e){let t={...e,key:qn++};return at=[t,...at],On(),t}function ut(e){switch(e.__typename){case"GenerateVideoPayload":case"RegenerateVideoPayload":case"GenerateVideosPayload":{let t="generations"in e?e.generations:[e.generation];for(let n of t){for(let o of n.events)ge(o.sequence);J(n)}return{ids:t.map(n=>n.id)}}case"InvalidInputError":{let t=o=>"itemIndex"in o&&o.itemIndex==null&&o.field!=="idempotencyKey",n=e.fields.filter(t).map(o=>`${o.field}: ${o.message}`);return{refusal:{fields:Object.fromEntries(e.fields.filter(o=>!t(o)).map(o=>[o.field,o.message])),...n.length>0?{form:n.join("; ")}:{}}}}case"BudgetExceededError":{let t=e.scope==="TEAM"?"the team's":"this key's",n=e.limit==="DAILY_USD"||e.limit==="MONTHLY_USD",o={DAILY_USD:"daily budget",MONTHLY_USD:"monthly budget",CONCURRENT:"limit on generations at once",REQUESTS_PER_MINUTE:"limit on generations per minute"}[e.limit],i="requestedGenerations"in e&&e.requestedGenerations>1?e.requestedGenerations:null,s=n?`${I(e.used)} of ${I(e.limitValue)} is spent or held; ${i?`these ${i} would cost`:"this one would cost"} ${I(e.estimateUsd)}`:`${e.used} of ${e.limitValue} in use${i?`; this sweep adds ${i}`:""}`,l=e.resetsAt?` It frees up at ${new Date(e.resetsAt).toLocaleString()}.`:"";return{refusal:{fields:{},budget:`Refused: over ${t} ${o} (${s}). Nothing was sent or charged.${l}`}}}case"IdempotencyConflictError":return{refusal:{fields:{idempotencyKey:e.message}}};case"BusyError":return{refusal:{fields:{},form:`${e.message} (retry in ${Math.ceil(e.retryAfterMs/1e3)} s)`}};default:return{refusal:{fields:{},form:`${e.code}: ${e.message}`}}}}function ct(e){return e instanceof Z&&(e.status===401||e.code==="UNAUTHENTICATED")?{fields:{},key:`The gateway did not accept this key: ${e.message}`}:e instanceof Z&&e.code==="FORBIDDEN"?{fields:{},key:e.message}:{fields:{},form:e instanceof Error?e.message:String(e)}}async function Hn(e){try{let{generateVideo:t}=await $(Je,{input:e});return ut(t)}catch(t){return{refusal:ct(t)}}}async function pn(e){let{ids:t,refusal:n}=await Hn(e),o=t?.[0];return n||!o?n??{fields:{},form:"No generation came back"}:(dt({title:e.prompt,kind:"single",ids:[o],problems:[],snippet:W(Je,{input:e})}),null)}async function fn(e,t){let n={input:{items:[{...e,seed:null,idempotencyKey:null}],seeds:t,idempotencyKey:e.idempotencyKey??null}},o;try{o=ut((await $(Xe,n)).generateVideos)}catch(i){o={refusal:ct(i)}}return o.refusal||!o.ids?.length?o.refusal??{fields:{},form:"No generation came back"}:(dt({title:`${e.prompt} \u2014 seeds ${t.join(", ")}`,kind:"sweep",ids:o.ids,problems:[],snippet:W(Xe,n)}),null)}async function Ie(e,t){let n={id:e,overrides:t===void 0?null:{seed:t}};try{let{regenerateVideo:o}=await $(fe,n),i=ut(o),s=i.ids?.[0];return i.refusal||!s?i.refusal??{fields:{},form:"No generation came back"}:(dt({title:t===void 0?"Regenerated with the same seed":`Regenerated with seed ${t}`,kind:"regenerate",ids:[s],problems:[],snippet:W(fe,n)}),null)}catch(o){return ct(o)}}function ke(e,t){if(t!==null)return Array.from({length:e},(i,s)=>(t-1+s)%999999+1);let n=new Set,o=new Uint32Array(1);for(;n.size<e;)crypto.getRandomValues(o),n.add(o[0]%999999+1);return[...n]}function ue({id:e,showPrompt:t=!1}){let n=sn(e),[o,i]=S(""),[s,l]=S(!1);if(!n)return null;let c=async()=>{l(!0);let u=await Ie(n.id);l(!1),u?i(u.budget??u.form??u.key??Object.values(u.fields).join("; ")):(i(""),location.hash="#/")},p=async()=>{l(!0);try{let{cancelGeneration:u}=await $(tn,{id:n.id});u.__typename==="CancelGenerationPayload"?J(u.generation):i(u.message)}catch(u){i(u instanceof Error?u.message:String(u))}finally{l(!1)}},d=n.costUsd!=null?I(n.costUsd):`~${I(n.estimatedCostUsd)} (estimate)`,m=`take-${n.id}`;return r("article",{class:"take","aria-labelledby":m,"data-generation-id":n.id,"data-seed":n.seed,"data-status":n.status,children:[r("h3",{id:m,children:["Seed ",n.seed," ",r("span",{class:"shape",children:[zt[n.resolution]??n.resolution," \xB7 ",n.duration," s"]})]}),t&&r("p",{class:"prompt",children:n.prompt}),n.status==="SUCCEEDED"&&n.resultUrl?r(B,{children:[r("video",{controls:!0,preload:"metadata",playsInline:!0,src:n.resultUrl,"aria-label":`Video, seed ${n.seed}`}),r("p",{children:r(Ge,{status:n.status})})]}):Y(n.status)?r("p",{class:"failure",children:[r(Ge,{status:n.status})," ",r("code",{children:n.errorCode})," ",n.errorMessage]}):r(dn,{card:n}),r("dl",{class:"facts",children:[r("div",{children:[r("dt",{children:"Cost"}),r("dd",{children:d})]}),r("div",{children:[r("dt",{children:"Latency"}),r("dd",{children:Ye(n.latencyMs)})]}),r("div",{children:[r("dt",{children:"Seed from"}),r("dd",{children:n.seedSource==="CLIENT"?"you":"the gateway"})]})]}),r("p",{class:"links",children:[r("a",{href:`#/g/${encodeURIComponent(n.id)}/manifest`,children:"Manifest"}),r("a",{href:`#/g/${encodeURIComponent(n.id)}/events`,children:"Event timeline"}),n.resultUrl&&r("a",{href:n.resultUrl,children:"Video file"})]}),r("p",{class:"actions",children:[r("button",{type:"button",onClick:c,disabled:s,children:"Regenerate, same seed"}),!Y(n.status)&&r("button",{type:"button",class:"secondary",onClick:p,disabled:s,children:"Cancel"})]}),o&&r("p",{class:"field-error",role:"alert",children:o})]})}var mt={fields:{}},pt=new Map;function Kn(e,t){let n=`${e}:${t}`,o=pt.get(n);return o||(o=$(en,{duration:e,resolution:t}).then(({estimateCost:i})=>i.__typename==="CostEstimate"?i.estimateUsd:null).catch(()=>(pt.delete(n),null)),pt.set(n,o)),o}function gn({onKeyRefused:e}){let[t,n]=S("A paper boat drifts across a rain puddle at dawn"),[o,i]=S("https://example.com/first-frame.png"),[s,l]=S(5),[c,p]=S("SD_480P"),[d,m]=S(""),[u,a]=S(!1),[f,g]=S(""),[b,h]=S(""),[v,_]=S(4),[E,w]=S(mt),[k,K]=S(!1),[U,R]=S(null),x=de(),C=mn();P(()=>{let y=!0;return Kn(s,c).then(G=>y&&R(G)),()=>{y=!1}},[s,c]);let D=y=>E.fields[y],T=y=>D(y)?{"aria-invalid":!0,"aria-describedby":`${y}-error`}:{},F=()=>{let y=d.trim();if(y!==""&&!/^-?\d+$/.test(y))return w({fields:{seed:"must be a whole number (or empty: the gateway draws one)"}}),null;let G=b?new Date(b):null;return{prompt:t,imageUrl:o,duration:s,resolution:c,cameraFixed:u,seed:y===""?null:Number(y),idempotencyKey:f.trim()===""?null:f.trim(),deadline:G&&!Number.isNaN(G.getTime())?G.toISOString():null}},M=async y=>{let G=F();if(!G)return;K(!0),w(mt);let V=y==="single"?await pn(G):await fn(G,ke(v,G.seed??null));K(!1),w(V??mt),V?.key&&e(V.key),se(),V||document.getElementById("takes")?.focus()};return r(B,{children:[r("section",{class:"panel","aria-labelledby":"create-heading",children:[r("h2",{id:"create-heading",children:"New video"}),r("form",{noValidate:!0,onSubmit:y=>{y.preventDefault(),M("single")},children:[r("div",{class:"field",children:[r("label",{for:"prompt",children:"Prompt"}),r("textarea",{id:"prompt",rows:3,value:t,onInput:y=>n(y.currentTarget.value),...T("prompt")}),r("p",{class:"hint",children:"What should happen, 1 to 2,000 characters."}),r(X,{id:"prompt-error",message:D("prompt")})]}),r("div",{class:"field",children:[r("label",{for:"imageUrl",children:"First frame (image URL)"}),r("input",{id:"imageUrl",type:"url",value:o,onInput:y=>i(y.currentTarget.value),...T("imageUrl")}),r("p",{class:"hint",children:"An http(s) URL Segmind can fetch."}),r(X,{id:"imageUrl-error",message:D("imageUrl")})]}),r("div",{class:"row",children:[r("fieldset",{...T("duration"),children:[r("legend",{children:"Duration"}),[5,10].map(y=>r("label",{class:"choice",children:[r("input",{type:"radio",name:"duration",value:y,checked:s===y,onChange:()=>l(y)}),y," s"]},y)),r(X,{id:"duration-error",message:D("duration")})]}),r("fieldset",{...T("resolution"),children:[r("legend",{children:"Resolution"}),[["SD_480P","480p"],["HD_720P","720p"]].map(([y,G])=>r("label",{class:"choice",children:[r("input",{type:"radio",name:"resolution",value:y,checked:c===y,onChange:()=>p(y)}),G]},y)),r(X,{id:"resolution-error",message:D("resolution")})]})]}),r("div",{class:"row",children:[r("div",{class:"field",children:[r("label",{for:"seed",children:"Seed"}),r("input",{id:"seed",inputMode:"numeric",autoComplete:"off",placeholder:"empty: the gateway draws one",value:d,onInput:y=>m(y.currentTarget.value),...T("seed")}),r("p",{class:"hint",children:"1 to 999,999. The same input and seed give the same video."}),r(X,{id:"seed-error",message:D("seed")})]}),r("div",{class:"field checkbox",children:[r("input",{id:"cameraFixed",type:"checkbox",checked:u,onChange:y=>a(y.currentTarget.checked)}),r("label",{for:"cameraFixed",children:"Keep the camera still"})]})]}),r("details",{class:"advanced",open:!!(D("idempotencyKey")||D("deadline")),children:[r("summary",{children:"Retries and deadline"}),r("div",{class:"field",children:[r("label",{for:"idempotencyKey",children:"Idempotency key"}),r("input",{id:"idempotencyKey",autoComplete:"off",value:f,onInput:y=>g(y.currentTarget.value),...T("idempotencyKey")}),r("p",{class:"hint",children:"Optional. Sending the same key and input again returns the first generation instead of paying twice."}),r(X,{id:"idempotencyKey-error",message:D("idempotencyKey")})]}),r("div",{class:"field",children:[r("label",{for:"deadline",children:"Deadline"}),r("input",{id:"deadline",type:"datetime-local",value:b,onInput:y=>h(y.currentTarget.value),...T("deadline")}),r("p",{class:"hint",children:"Optional. Not finished by then: the gateway stops working on it (Expired)."}),r(X,{id:"deadline-error",message:D("deadline")})]})]}),r(Qn,{credits:x.credits,estimateUsd:U,sweepCount:v,refusal:E.budget,sessionError:x.error?.message}),E.form&&r("p",{class:"form-error",role:"alert",children:E.form}),r("div",{class:"buttons",children:[r("button",{type:"submit",disabled:k,children:"Generate"}),r("span",{class:"sweep",children:[r("button",{type:"button",class:"secondary",disabled:k,onClick:()=>{M("sweep")},children:"Sweep seeds"}),r("label",{for:"sweepCount",children:"Takes per sweep"}),r("select",{id:"sweepCount",value:v,onChange:y=>_(Number(y.currentTarget.value)),children:[2,3,4,5,6].map(y=>r("option",{value:y,children:y},y))})]}),k&&r("span",{role:"status",children:"Sending\u2026"})]}),r("p",{class:"hint",children:["A sweep sends the same input with ",v," seeds (from the seed above upwards, or drawn at random) as one batch, accepted or refused whole, and shows the takes side by side."]})]})]}),r("section",{class:"panel","aria-labelledby":"takes",children:[r("h2",{id:"takes",tabIndex:-1,children:"Takes"}),C.length===0&&r("p",{class:"hint",children:"Nothing yet: generate a video or sweep seeds above. Progress shows live here."}),C.map(y=>r("section",{class:`run run-${y.kind}`,"aria-label":y.title,children:[r("h3",{children:[y.kind==="sweep"?"Seed sweep: ":"",y.title]}),r("div",{class:"takes",children:y.ids.map(G=>r(ue,{id:G},G))}),y.problems.map(G=>r("p",{class:"form-error",role:"alert",children:G},G)),r(ee,{text:y.snippet})]},y.key))]})]})}function Qn(e){let t=e.credits?.team,n=t?.budget,o=(i,s,l)=>s==null?`no ${l} limit`:`${I(i)} left ${l==="daily"?"today":"this month"} of ${I(s)}`;return r("section",{class:"cost","aria-labelledby":"cost-heading","aria-live":"polite",children:[r("h3",{id:"cost-heading",children:"Cost and budget"}),r("p",{children:["Estimated cost: ",r("strong",{"data-testid":"estimate",children:I(e.estimateUsd)})," per video",e.estimateUsd!=null&&` (a sweep of ${e.sweepCount}: ${I(e.estimateUsd*e.sweepCount)})`,"."]}),e.sessionError?r("p",{class:"form-error",children:["Budget unknown: ",e.sessionError]}):e.credits?t&&n?r("p",{"data-testid":"budget",children:["Team ",r("strong",{children:t.name}),": ",o(n.remainingTodayUsd,n.dailyLimitUsd,"daily"),","," ",o(n.remainingThisMonthUsd,n.monthlyLimitUsd,"monthly")," (",I(n.heldUsd)," held for running videos)."]}):r("p",{"data-testid":"budget",children:["Anonymous",e.credits.upstream==="sandbox"?" (sandbox mode)":"",": no team budget applies."]}):r("p",{children:"Reading the budget\u2026"}),e.refusal&&r("p",{id:"budget-error",class:"form-error",role:"alert",children:e.refusal})]})}function _n({id:e,section:t}){let[n,o]=S(null),[i,s]=S([]),[l,c]=S(""),[p,d]=S(""),m=re(!1);if(P(()=>{let g,b=!0;return m.current=!1,o(null),s([]),(async()=>{try{let{generation:h}=await $(Ze,{id:e});if(!b)return;if(!h){c("No generation with this id is visible to you.");return}J(h),o(h),s(h.events);let v=h.events.at(-1)?.sequence??0;Y(h.status)||(g=Ae(on,{id:e,after:v},{next:({generationUpdated:_})=>{ge(_.sequence),J(_.generation,_);let E=_.event;E&&s(w=>w.some(k=>k.sequence===E.sequence)?w:[...w,E])},error:()=>{},complete:()=>{}}))}catch(h){b&&c(h instanceof Error?h.message:String(h))}})(),()=>{b=!1,g?.()}},[e]),P(()=>{if(!n||!t||m.current)return;m.current=!0;let g=document.getElementById(t);g?.scrollIntoView(),g?.focus()},[n,t]),l)return r("section",{class:"panel",children:[r("h2",{children:"Generation"}),r("p",{class:"form-error",role:"alert",children:l})]});if(!n)return r("p",{role:"status",children:"Loading\u2026"});let u=n.manifest,a=(()=>{try{return JSON.stringify(JSON.parse(u.upstreamRequestBody),null,2)}catch{return u.upstreamRequestBody}})(),f=async()=>{let[g]=ke(1,null),b=await Ie(n.id,g);b?d(b.budget??b.form??b.key??Object.values(b.fields).join("; ")):location.hash="#/"};return r(B,{children:[r("section",{class:"panel","aria-labelledby":"detail-heading",children:[r("h2",{id:"detail-heading",children:n.prompt}),r("div",{class:"detail",children:r(ue,{id:n.id})}),r("p",{class:"actions",children:r("button",{type:"button",class:"secondary",onClick:()=>{f()},children:"Regenerate with a new seed"})}),p&&r("p",{class:"form-error",role:"alert",children:p}),n.derivations.length>0&&r("p",{children:["Regenerated as:"," ",n.derivations.map(g=>r("a",{href:`#/g/${encodeURIComponent(g.id)}`,class:"chip",children:["seed ",g.seed," (",g.status.toLowerCase(),")"]},g.id))]}),n.derivedFrom&&r("p",{children:["Made from ",r("a",{href:`#/g/${encodeURIComponent(n.derivedFrom.id)}`,children:"its source generation"}),"."]}),r(ee,{text:W(Ze,{id:n.id}),label:"GraphQL: read this generation"}),r(ee,{text:W(fe,{id:n.id,overrides:null}),label:"GraphQL: regenerate it (same seed)"})]}),r("section",{class:"panel",id:"manifest",tabIndex:-1,"aria-labelledby":"manifest-heading",children:[r("h2",{id:"manifest-heading",children:"Manifest"}),r("dl",{class:"manifest",children:[["Model",u.modelSlug],["Upstream",`${u.upstream} (${u.upstreamMode})`],["Seed",`${u.seed} (${u.seedSource==="CLIENT"?"chosen by the client":"drawn by the gateway"})`],["Seed echoed by Segmind",u.upstreamSeed??"\u2013"],["First frame",u.imageUrl],["First frame sha256",u.imageSha256??"not fetched (see the timeline)"],["Video sha256",u.videoSha256??"\u2013"],["Video bytes",u.videoBytes??"\u2013"],["Gateway version",u.gatewayVersion??"\u2013"],["Created",ae(u.createdAt)]].map(([g,b])=>r("div",{children:[r("dt",{children:g}),r("dd",{children:String(b)})]},g))}),r("h3",{children:"Exact request sent to Segmind"}),r("pre",{tabIndex:0,"aria-label":"Upstream request body",children:a})]}),r("section",{class:"panel",id:"events",tabIndex:-1,"aria-labelledby":"events-heading",children:[r("h2",{id:"events-heading",children:"Event timeline"}),r("div",{class:"table-scroll",tabIndex:0,children:r("table",{children:[r("caption",{class:"visually-hidden",children:"Every state change and upstream call, oldest first"}),r("thead",{children:r("tr",{children:[r("th",{scope:"col",children:"#"}),r("th",{scope:"col",children:"When"}),r("th",{scope:"col",children:"What"}),r("th",{scope:"col",children:"Details"})]})}),r("tbody",{children:i.map(g=>r("tr",{children:[r("td",{children:g.sequence}),r("td",{children:new Date(g.at).toLocaleTimeString()}),r("td",{children:g.type==="STATUS_CHANGED"?`${g.fromStatus??"\u2013"} \u2192 ${g.toStatus??"\u2013"}`:g.type}),r("td",{children:[g.method&&`${g.method} ${g.path??""}`,g.httpStatus!=null&&`HTTP ${g.httpStatus}`,g.durationMs!=null&&`${g.durationMs} ms`,g.attempt!=null&&`attempt ${g.attempt}`,g.errorCode,g.message].filter(Boolean).join(" \xB7 ")})]},g.sequence))})]})})]})]})}var yn=12,jn=Object.keys(le);function hn(){let[e,t]=S(""),[n,o]=S(""),[i,s]=S(""),[l,c]=S({}),[p,d]=S(null),[m,u]=S(""),[a,f]=S(""),[g,b]=S(!1),h=async(_,E)=>{b(!0),u("");try{let w={first:yn,after:_,filter:l},{generations:k}=await $(ze,w),K=k.edges.map(U=>(J(U.node),U.node.id));d({ids:[...E?.ids??[],...K],totalCount:k.totalCount,endCursor:k.pageInfo.endCursor??null,hasNextPage:k.pageInfo.hasNextPage})}catch(w){u(w instanceof Error?w.message:String(w))}finally{b(!1)}};return P(()=>{h(null,null)},[l]),r("section",{class:"panel","aria-labelledby":"gallery-heading",children:[r("h2",{id:"gallery-heading",children:"Gallery"}),r("form",{class:"filters",onSubmit:_=>{_.preventDefault();let E=n.trim();if(E!==""&&!/^\d+$/.test(E)){f("must be a whole number");return}f(""),c({...e?{status:[e]}:{},...E?{seed:Number(E)}:{},...i.trim()?{promptContains:i.trim()}:{}})},noValidate:!0,role:"search","aria-label":"Filter generations",children:[r("div",{class:"field",children:[r("label",{for:"filter-status",children:"Status"}),r("select",{id:"filter-status",value:e,onChange:_=>t(_.currentTarget.value),children:[r("option",{value:"",children:"Any"}),jn.map(_=>r("option",{value:_,children:le[_]},_))]})]}),r("div",{class:"field",children:[r("label",{for:"filter-seed",children:"Seed"}),r("input",{id:"filter-seed",inputMode:"numeric",value:n,onInput:_=>o(_.currentTarget.value),"aria-invalid":a?!0:void 0,"aria-describedby":a?"filter-seed-error":void 0}),r(X,{id:"filter-seed-error",message:a})]}),r("div",{class:"field",children:[r("label",{for:"filter-text",children:"Prompt contains"}),r("input",{id:"filter-text",type:"search",value:i,onInput:_=>s(_.currentTarget.value)})]}),r("div",{class:"buttons",children:r("button",{type:"submit",children:"Filter"})})]}),m&&r("p",{class:"form-error",role:"alert",children:m}),p&&r("p",{role:"status",children:p.totalCount===0?"No generations match.":`Showing ${p.ids.length} of ${p.totalCount}.`}),r("div",{class:"takes gallery",children:p?.ids.map(_=>r(ue,{id:_,showPrompt:!0},_))}),p?.hasNextPage&&r("button",{type:"button",class:"secondary",disabled:g,onClick:()=>{h(p.endCursor,p)},children:"Load more"}),r(ee,{text:W(ze,{first:yn,after:p?.endCursor??null,filter:l}),label:"GraphQL of this list"})]})}function bn(e){let t=e.replace(/^#\/?/,"").split("/").map(decodeURIComponent);return t[0]==="gallery"?{page:"gallery"}:t[0]==="account"?{page:"account"}:t[0]==="g"&&t[1]?{page:"detail",id:t[1],section:t[2]??null}:{page:"create"}}function Wn(){let[e,t]=S(()=>bn(location.hash)),[n,o]=S(0),[i,s]=S(""),[l,c]=S("connecting"),p=de(),d=re(null);P(()=>{let u=()=>{t(bn(location.hash)),d.current?.focus()};return addEventListener("hashchange",u),()=>removeEventListener("hashchange",u)},[]),P(()=>(se(),ln(c)),[n]),P(()=>an(()=>{se()}),[]),P(()=>{let u=p.error;u&&(u.code==="UNAUTHENTICATED"||u.code==="FORBIDDEN")&&s(u.message)},[p.error]);let m=p.credits;return r(B,{children:[r("a",{class:"skip",href:"#main",onClick:u=>(u.preventDefault(),d.current?.focus()),children:"Skip to content"}),r("header",{class:"top",children:[r("div",{class:"brand",children:[r("h1",{children:"seedance studio"}),r("p",{class:"hint",children:[m?.upstream==="sandbox"?"Sandbox mode: the built-in Segmind stand-in. ":"","Segmind balance: ",m?.balance?I(m.balance.credits):"\u2013"," \xB7 updates:"," ",r("span",{class:`live live-${l}`,role:"status",children:l})]})]}),r("nav",{"aria-label":"Studio",children:[r("a",{href:"#/","aria-current":e.page==="create"?"page":void 0,children:"Create"}),r("a",{href:"#/gallery","aria-current":e.page==="gallery"?"page":void 0,children:"Gallery"}),r("a",{href:"#/account","aria-current":e.page==="account"?"page":void 0,children:"Budget"}),r("a",{href:"/graphql",children:"GraphiQL"})]}),r(Yn,{sandbox:m?.upstream==="sandbox",error:i,onSaved:()=>{s(""),o(u=>u+1)}})]}),r("main",{id:"main",ref:d,tabIndex:-1,children:[e.page==="create"&&r(gn,{onKeyRefused:s}),e.page==="gallery"&&r(hn,{},n),e.page==="account"&&r(cn,{},n),e.page==="detail"&&r(_n,{id:e.id,section:e.section},`${e.id}:${n}`)]})]})}function Yn({sandbox:e,error:t,onSaved:n}){let[o,i]=S(We),[s,l]=S(!1),[c,p]=S("");return r("form",{class:"key",onSubmit:m=>{m.preventDefault(),Wt(o.trim()),p(o.trim()?"Key saved for this tab.":"Key removed: requests are anonymous."),n()},noValidate:!0,children:[r("label",{for:"api-key",children:"API key"}),r("input",{id:"api-key",type:s?"text":"password",autoComplete:"off",spellcheck:!1,placeholder:e?"none needed in sandbox mode":"sgw_live_\u2026",value:o,onInput:m=>i(m.currentTarget.value),"aria-invalid":t?!0:void 0,"aria-describedby":t?"api-key-error":"api-key-hint"}),r("button",{type:"button",class:"secondary","aria-pressed":s,onClick:()=>l(!s),children:s?"Hide":"Show"}),r("button",{type:"submit",children:"Use key"}),r("p",{id:"api-key-hint",class:"hint",children:["Kept in this tab only (sessionStorage).",e?" Leave empty to work anonymously.":""," ",r("span",{role:"status",children:c})]}),t&&r("p",{id:"api-key-error",class:"field-error",role:"alert",children:t})]})}Rt(r(Wn,{}),document.getElementById("app"));
